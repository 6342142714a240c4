package loopback

import "reflect"

// FillSameNamed sets each zero field of *dst that src (a struct or a pointer to one) has under
// the same name and type. The mains name the options every supported runtime knows; what a
// newer runtime adds (the scheduler's EtcdMaxTxnOps in 1.18, whose zero refuses every etcd
// transaction) reaches its server from its own flags, as its cmd passes them.
func FillSameNamed(dst, src any) {
	to := reflect.ValueOf(dst).Elem()
	from := reflect.ValueOf(src)
	if from.Kind() == reflect.Pointer {
		from = from.Elem()
	}
	for i := 0; i < to.NumField(); i++ {
		field := to.Type().Field(i)
		if !field.IsExported() || !to.Field(i).IsZero() {
			continue
		}
		if value := from.FieldByName(field.Name); value.IsValid() && value.Type() == field.Type {
			to.Field(i).Set(value)
		}
	}
}

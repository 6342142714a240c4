// Package loopback serves a control-plane service's /healthz on 127.0.0.1 only: the
// services' own healthz server listens on every interface whatever its flags say, and
// nothing the runner starts may listen beyond this machine.
package loopback

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/dapr/dapr/pkg/healthz"
)

// Healthz returns a runner (for concurrency.NewRunnerManager) answering GET /healthz on
// 127.0.0.1:port with 200 once every target of hz is ready, 503 before.
func Healthz(hz healthz.Healthz, port int) func(context.Context) error {
	target := hz.AddTarget("loopback-healthz")
	return func(ctx context.Context) error {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
			if hz.IsReady() {
				w.WriteHeader(http.StatusOK)
				return
			}
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		target.Ready()
		select {
		case err = <-served:
			return err
		case <-ctx.Done():
			shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			if err = srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}
	}
}

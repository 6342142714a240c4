package loopback

import (
	"context"

	"github.com/dapr/dapr/pkg/healthz"
	"github.com/dapr/dapr/pkg/security"
	"github.com/dapr/kit/concurrency"
	"github.com/dapr/kit/logger"
)

// Begin applies the service's log flags and says it is starting, as its cmd does.
func Begin(log logger.Logger, opts *logger.Options, service, version string, initMetrics func() error) {
	if err := logger.ApplyOptionsToLoggers(opts); err != nil {
		log.Fatal(err)
	}
	log.Infof("Starting Dapr %s -- version %s", service, version)
	if err := initMetrics(); err != nil {
		log.Fatal(err)
	}
}

// Serve runs a control-plane service until ctx ends: its security provider, the loopback
// healthz, and run with the security handler once there is one.
func Serve(ctx context.Context, hz healthz.Healthz, healthzPort int, sec security.Provider,
	run func(context.Context, security.Handler) error,
) error {
	return concurrency.NewRunnerManager(
		Healthz(hz, healthzPort),
		sec.Run,
		func(ctx context.Context) error {
			handler, err := sec.Handler(ctx)
			if err != nil {
				return err
			}
			return run(ctx, handler)
		},
	).Run(ctx)
}

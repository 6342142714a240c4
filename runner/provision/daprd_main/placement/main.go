// The real Dapr placement service (github.com/dapr/dapr/pkg/placement), started from its own
// flags (cmd/placement/options), but with /healthz on loopback and no metrics listener.
package main

import (
	"context"
	"os"

	"github.com/dapr/dapr/cmd/placement/options"
	"github.com/dapr/dapr/pkg/buildinfo"
	"github.com/dapr/dapr/pkg/healthz"
	"github.com/dapr/dapr/pkg/modes"
	"github.com/dapr/dapr/pkg/placement"
	"github.com/dapr/dapr/pkg/placement/monitoring"
	"github.com/dapr/dapr/pkg/security"
	"github.com/dapr/kit/logger"
	"github.com/dapr/kit/signals"

	"quickstart-runner/daprd/loopback"
)

var log = logger.NewLogger("dapr.placement")

func main() {
	opts, err := options.New(os.Args[1:])
	if err != nil {
		log.Fatal(err)
	}
	loopback.Begin(log, &opts.Logger, "Placement Service", buildinfo.Version(), monitoring.InitMetrics)

	hz := healthz.New()
	ctx := signals.Context()
	sec, err := security.New(ctx, security.Options{
		SentryAddress:           opts.SentryAddress,
		ControlPlaneTrustDomain: opts.TrustDomain,
		ControlPlaneNamespace:   security.CurrentNamespace(),
		TrustAnchorsFile:        &opts.TrustAnchorsFile,
		AppID:                   "dapr-placement",
		MTLSEnabled:             opts.TLSEnabled,
		Mode:                    modes.DaprMode(opts.Mode),
		Healthz:                 hz,
	})
	if err != nil {
		log.Fatal(err)
	}

	err = loopback.Serve(ctx, hz, opts.HealthzPort, sec, func(ctx context.Context, handler security.Handler) error {
		placementOptions := placement.Options{
			NodeID:             opts.RaftID,
			Port:               opts.PlacementPort,
			ListenAddress:      opts.PlacementListenAddress,
			Security:           handler,
			Healthz:            hz,
			KeepAliveTime:      opts.KeepAliveTime,
			KeepAliveTimeout:   opts.KeepAliveTimeout,
			ReplicationFactor:  int64(opts.ReplicationFactor),
			Peers:              opts.RaftPeers,
			DisseminateTimeout: opts.DisseminateTimeout,
		}
		loopback.FillSameNamed(&placementOptions, opts)
		place, perr := placement.New(placementOptions)
		if perr != nil {
			return perr
		}
		return place.Run(ctx)
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Info("Placement service shut down gracefully")
}

// The real Dapr scheduler service (github.com/dapr/dapr/pkg/scheduler/server, with its
// embedded etcd), started from its own flags (cmd/scheduler/options), but with /healthz on
// loopback and no metrics listener.
package main

import (
	"context"
	"os"

	"github.com/dapr/dapr/cmd/scheduler/options"
	"github.com/dapr/dapr/pkg/buildinfo"
	"github.com/dapr/dapr/pkg/healthz"
	"github.com/dapr/dapr/pkg/modes"
	"github.com/dapr/dapr/pkg/scheduler/monitoring"
	"github.com/dapr/dapr/pkg/scheduler/server"
	"github.com/dapr/dapr/pkg/security"
	"github.com/dapr/kit/logger"
	"github.com/dapr/kit/signals"

	"quickstart-runner/daprd/loopback"
)

var log = logger.NewLogger("dapr.scheduler")

func main() {
	opts, err := options.New(os.Args[1:])
	if err != nil {
		log.Fatal(err)
	}
	loopback.Begin(log, &opts.Logger, "Scheduler Service", buildinfo.Version(), monitoring.InitMetrics)

	hz := healthz.New()
	ctx := signals.Context()
	sec, err := security.New(ctx, security.Options{
		SentryAddress:           opts.SentryAddress,
		ControlPlaneTrustDomain: opts.TrustDomain,
		ControlPlaneNamespace:   security.CurrentNamespace(),
		TrustAnchorsFile:        opts.TrustAnchorsFile,
		AppID:                   "dapr-scheduler",
		MTLSEnabled:             opts.TLSEnabled || opts.Mode == string(modes.KubernetesMode),
		Mode:                    modes.DaprMode(opts.Mode),
		Healthz:                 hz,
		WriteIdentityToFile:     &opts.IdentityDirectoryWrite,
	})
	if err != nil {
		log.Fatal(err)
	}

	err = loopback.Serve(ctx, hz, opts.HealthzPort, sec, func(ctx context.Context, handler security.Handler) error {
		for ctx.Err() == nil { // the server returns to be made anew when etcd asks it to
			serverOptions := server.Options{
				Port:                           opts.Port,
				ListenAddress:                  opts.ListenAddress,
				OverrideBroadcastHostPort:      opts.OverrideBroadcastHostPort,
				Mode:                           modes.DaprMode(opts.Mode),
				Security:                       handler,
				Healthz:                        hz,
				KubeConfig:                     opts.KubeConfig,
				EtcdEmbed:                      opts.EtcdEmbed,
				EtcdDataDir:                    opts.EtcdDataDir,
				EtcdName:                       opts.ID,
				EtcdInitialCluster:             opts.EtcdInitialCluster,
				EtcdClientPort:                 opts.EtcdClientPort,
				EtcdClientListenAddress:        opts.EtcdClientListenAddress,
				EtcdSpaceQuota:                 opts.EtcdSpaceQuota,
				EtcdCompactionMode:             opts.EtcdCompactionMode,
				EtcdCompactionRetention:        opts.EtcdCompactionRetention,
				EtcdSnapshotCount:              opts.EtcdSnapshotCount,
				EtcdMaxSnapshots:               opts.EtcdMaxSnapshots,
				EtcdMaxWALs:                    opts.EtcdMaxWALs,
				EtcdBackendBatchLimit:          opts.EtcdBackendBatchLimit,
				EtcdBackendBatchInterval:       opts.EtcdBackendBatchInterval,
				EtcdDefragThresholdMB:          opts.EtcdDefragThresholdMB,
				EtcdInitialElectionTickAdvance: opts.EtcdInitialElectionTickAdvance,
				EtcdMetrics:                    opts.EtcdMetrics,
				EtcdClientEndpoints:            opts.EtcdClientEndpoints,
				EtcdClientUsername:             opts.EtcdClientUsername,
				EtcdClientPassword:             opts.EtcdClientPassword,
				Workers:                        opts.Workers,
			}
			loopback.FillSameNamed(&serverOptions, opts)
			srv, serr := server.New(ctx, serverOptions)
			if serr != nil {
				return serr
			}
			if serr = srv.Run(ctx); serr != nil {
				return serr
			}
		}
		return ctx.Err()
	})
	if err != nil {
		log.Fatalf("Fatal error running scheduler: %v", err)
	}
	log.Info("Scheduler service shut down gracefully")
}

// The components this daprd carries: the one list of them. The quickstarts need a Redis
// state store; pub/sub, locks, configuration, secrets and mDNS name resolution come
// with it so that the other building blocks' quickstarts can run against the same Redis.
// The runner resolves names with sqlite (a file per run, nothing leaves the machine);
// mdns stays for the dapr CLI's default configuration.
package main

import (
	configurationRedis "github.com/dapr/components-contrib/configuration/redis"
	lockRedis "github.com/dapr/components-contrib/lock/redis"
	"github.com/dapr/components-contrib/nameresolution/mdns"
	nrSqlite "github.com/dapr/components-contrib/nameresolution/sqlite"
	pubsubRedis "github.com/dapr/components-contrib/pubsub/redis"
	secretstoresEnv "github.com/dapr/components-contrib/secretstores/local/env"
	secretstoresFile "github.com/dapr/components-contrib/secretstores/local/file"
	stateRedis "github.com/dapr/components-contrib/state/redis"
	configurationLoader "github.com/dapr/dapr/pkg/components/configuration"
	lockLoader "github.com/dapr/dapr/pkg/components/lock"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	stateLoader "github.com/dapr/dapr/pkg/components/state"
)

func registerComponents() {
	stateLoader.DefaultRegistry.RegisterComponent(stateRedis.NewRedisStateStore, "redis")
	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubRedis.NewRedisStreams, "redis")
	lockLoader.DefaultRegistry.RegisterComponent(lockRedis.NewStandaloneRedisLock, "redis")
	configurationLoader.DefaultRegistry.RegisterComponent(configurationRedis.NewRedisConfigurationStore, "redis")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretstoresFile.NewLocalSecretStore, "local.file")
	secretstoresLoader.DefaultRegistry.RegisterComponent(secretstoresEnv.NewEnvSecretStore, "local.env")
	nrLoader.DefaultRegistry.RegisterComponent(mdns.NewResolver, "mdns")
	nrLoader.DefaultRegistry.RegisterComponent(nrSqlite.NewResolver, "sqlite")
}

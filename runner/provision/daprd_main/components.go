// The components this daprd carries: the one list of them. Every component type the
// upstream quickstarts' resources declare (state, pub/sub, configuration and locks on
// Redis, local secret stores, cron and PostgreSQL bindings, the echo/Ollama/OpenAI
// conversation components, local-storage cryptography, in-memory state and pub/sub for
// the tutorials) and name resolution. The runner resolves names with sqlite (a file per
// run, nothing leaves the machine); mdns stays for the dapr CLI's default configuration.
package main

import (
	bindingsCron "github.com/dapr/components-contrib/bindings/cron"
	bindingsPostgres "github.com/dapr/components-contrib/bindings/postgres"
	configurationRedis "github.com/dapr/components-contrib/configuration/redis"
	conversationEcho "github.com/dapr/components-contrib/conversation/echo"
	conversationOllama "github.com/dapr/components-contrib/conversation/ollama"
	conversationOpenAI "github.com/dapr/components-contrib/conversation/openai"
	cryptoLocalStorage "github.com/dapr/components-contrib/crypto/localstorage"
	lockRedis "github.com/dapr/components-contrib/lock/redis"
	"github.com/dapr/components-contrib/nameresolution/mdns"
	nrSqlite "github.com/dapr/components-contrib/nameresolution/sqlite"
	pubsubInMemory "github.com/dapr/components-contrib/pubsub/in-memory"
	pubsubRedis "github.com/dapr/components-contrib/pubsub/redis"
	secretstoresEnv "github.com/dapr/components-contrib/secretstores/local/env"
	secretstoresFile "github.com/dapr/components-contrib/secretstores/local/file"
	stateInMemory "github.com/dapr/components-contrib/state/in-memory"
	stateRedis "github.com/dapr/components-contrib/state/redis"
	bindingsLoader "github.com/dapr/dapr/pkg/components/bindings"
	configurationLoader "github.com/dapr/dapr/pkg/components/configuration"
	conversationLoader "github.com/dapr/dapr/pkg/components/conversation"
	cryptoLoader "github.com/dapr/dapr/pkg/components/crypto"
	lockLoader "github.com/dapr/dapr/pkg/components/lock"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	stateLoader "github.com/dapr/dapr/pkg/components/state"
)

// Each component type (as resources declare it in `spec.type`) beside its registration:
// `daprd --component-types` prints the types, and the runner checks a job's resources
// against them before it starts daprd.
var components = []struct {
	Type     string
	Register func()
}{
	{"state.redis", func() { stateLoader.DefaultRegistry.RegisterComponent(stateRedis.NewRedisStateStore, "redis") }},
	{"state.in-memory", func() {
		stateLoader.DefaultRegistry.RegisterComponent(stateInMemory.NewInMemoryStateStore, "in-memory")
	}},
	{"pubsub.redis", func() { pubsubLoader.DefaultRegistry.RegisterComponent(pubsubRedis.NewRedisStreams, "redis") }},
	{"pubsub.in-memory", func() { pubsubLoader.DefaultRegistry.RegisterComponent(pubsubInMemory.New, "in-memory") }},
	{"lock.redis", func() { lockLoader.DefaultRegistry.RegisterComponent(lockRedis.NewStandaloneRedisLock, "redis") }},
	{"configuration.redis", func() {
		configurationLoader.DefaultRegistry.RegisterComponent(configurationRedis.NewRedisConfigurationStore, "redis")
	}},
	{"secretstores.local.file", func() {
		secretstoresLoader.DefaultRegistry.RegisterComponent(secretstoresFile.NewLocalSecretStore, "local.file")
	}},
	{"secretstores.local.env", func() {
		secretstoresLoader.DefaultRegistry.RegisterComponent(secretstoresEnv.NewEnvSecretStore, "local.env")
	}},
	{"bindings.cron", func() { bindingsLoader.DefaultRegistry.RegisterInputBinding(bindingsCron.NewCron, "cron") }},
	{"bindings.postgres", func() { bindingsLoader.DefaultRegistry.RegisterOutputBinding(bindingsPostgres.NewPostgres, "postgres") }},
	{"bindings.postgresql", func() {
		bindingsLoader.DefaultRegistry.RegisterOutputBinding(bindingsPostgres.NewPostgres, "postgresql")
	}},
	{"conversation.echo", func() { conversationLoader.DefaultRegistry.RegisterComponent(conversationEcho.NewEcho, "echo") }},
	{"conversation.ollama", func() { conversationLoader.DefaultRegistry.RegisterComponent(conversationOllama.NewOllama, "ollama") }},
	{"conversation.openai", func() { conversationLoader.DefaultRegistry.RegisterComponent(conversationOpenAI.NewOpenAI, "openai") }},
	{"crypto.dapr.localstorage", func() {
		cryptoLoader.DefaultRegistry.RegisterComponent(cryptoLocalStorage.NewLocalStorageCrypto, "dapr.localstorage")
	}},
	{"nameresolution.mdns", func() { nrLoader.DefaultRegistry.RegisterComponent(mdns.NewResolver, "mdns") }},
	{"nameresolution.sqlite", func() { nrLoader.DefaultRegistry.RegisterComponent(nrSqlite.NewResolver, "sqlite") }},
}

func registerComponents() {
	for _, component := range components {
		component.Register()
	}
}

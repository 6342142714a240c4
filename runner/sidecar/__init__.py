"""The Dapr sidecar beside a job's apps, run one of two ways behind one interface
(`base.Sidecars`): daprd driven directly (`daprd.DaprdSidecars`), or the real dapr CLI
(`cli.DaprCliSidecars`). Either way the job reads the same lines: the CLI's status lines and
the apps' `== APP == ` lines."""

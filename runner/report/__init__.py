"""Reports of a run's results (plain `results.JobResult`s): console, JSON, JUnit, GitHub, HTML."""

"""What a job starts besides its app, and how it is stopped: free loopback ports, a Redis per
job, the job's own copy of the resources, processes under a PTY or in their own group, and
the reaper of what a killed runner left behind."""

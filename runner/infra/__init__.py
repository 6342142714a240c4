"""What a job runs beside: free ports, its own Redis, its own copy of the resources."""

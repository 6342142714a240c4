"""Every file format the runner reads, the lowest layer: dapr.yaml (runtemplate), `dapr run`
lines (daprrun), README STEP blocks (steps), expected files (expected), docs pages
(docspage), markdown fences (markdown), YAML with line numbers (yamlfile). Each reports
bad input as `FILE:LINE: what is wrong`."""

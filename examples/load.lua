-- wrk script for examples/load.sh: the same non-streamed completion request on every connection.
wrk.method = "POST"
wrk.path = "/v1/completions"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"llama-3-8b","prompt":"Once upon a time a pod","max_tokens":16}'

// Package loadgen drives HTTP load the way ab does (Run: -n requests at -c concurrency)
// or at a fixed rate (RunRate, on vegeta), and attributes every connection to the
// real server that answered it, named by its wire.ServerHeader response header.
//
// IPVS schedules TCP connections, not requests, so by default every request opens a
// new connection and sends "Connection: close"; keep-alive is opt-in.
//
// The package has no notion of network namespaces: it runs wherever its process runs.
package loadgen

package loadgen

import "testing"

// The messages are net/http's, as vegeta passes them on.
func TestClassifyMessage(t *testing.T) {
	cases := map[string]failureClass{
		`Get "http://10.0.0.1/": dial tcp 10.0.0.1:80: connect: connection refused`:                   refused,
		`Get "http://10.0.0.1/": read tcp 10.0.0.2:4000->10.0.0.1:80: read: connection reset by peer`: reset,
		`Get "http://10.0.0.1/": write tcp 10.0.0.2:4000->10.0.0.1:80: write: broken pipe`:            reset,
		`Get "http://10.0.0.1/": EOF`:            noResponse,
		`Get "http://10.0.0.1/": unexpected EOF`: shortResponse,
		`Get "http://10.0.0.1/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`: timedOut,
		`Get "http://10.0.0.1/": dial tcp 10.0.0.1:80: i/o timeout`:                                          timedOut,
		`Get "http://10.0.0.1/": dial tcp 10.0.0.1:80: connect: no route to host`:                            unreachable,
		`Get "http://10.0.0.1/": dial tcp 10.0.0.1:80: connect: network is unreachable`:                      unreachable,
		`Get "http://10.0.0.1/": net/http: HTTP/1.x transport connection broken: malformed HTTP response`:    badResponse,
		`Get "http://10.0.0.1/": dial tcp 1.2.3.4:0->10.0.0.1:80: bind: cannot assign requested address`:     otherFailure,
	}
	for msg, want := range cases {
		if got := classifyMessage(msg); got != want {
			t.Errorf("classifyMessage(%q) = %d, want %d", msg, got, want)
		}
	}
}

package loadgen

import "syscall"

// resetAfterResponseError is a connection the server reset after its whole response and its FIN had
// arrived: the server no longer knew the connection when the client's next segment (an acknowledgement,
// a retransmission) reached it. A Linux server forgets a connection it closed first when its TIME_WAIT
// table is full (nstat: TcpExtTCPTimeWaitOverflow). A read past the FIN returns end of file whatever
// came after it, so only the socket's pending error tells; ab, which polls the socket, counts these
// among its "Exceptions".
type resetAfterResponseError struct{ errno syscall.Errno }

func (e *resetAfterResponseError) Error() string {
	return "the server reset the connection after its whole response (" + e.errno.Error() +
		"): it had already forgotten the connection; on a Linux real server, see whether its TIME_WAIT table overflowed (nstat -az TcpExtTCPTimeWaitOverflow) against net.ipv4.tcp_max_tw_buckets"
}

func (e *resetAfterResponseError) Unwrap() error { return e.errno }

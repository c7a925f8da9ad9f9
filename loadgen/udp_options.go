package loadgen

import (
	"errors"
	"fmt"
	"strings"
)

// defaultUDPPort is the port of a udp:// URL that gives none: DNS's, the lab's UDP echo servers' default.
const defaultUDPPort = 53

// maxDatagrams bounds Datagrams, so that a run's datagrams can be counted.
const maxDatagrams = 1 << 20

func isUDP(rawURL string) bool { return strings.HasPrefix(strings.ToLower(rawURL), "udp://") }

// udpMode checks the options that differ for a udp:// URL and fills in Datagrams.
func (o *Options) udpMode() error {
	if !isUDP(o.URL) {
		if o.Datagrams != 0 {
			return invalid("Datagrams", o.Datagrams, "0 for an http:// URL; datagrams are sent to udp://host[:port] URLs")
		}
		return nil
	}
	if o.KeepAlive || o.Hold || o.Reset {
		return errors.New("loadgen: KeepAlive, Hold and Reset are for HTTP; with a udp:// URL every request is a new socket, which sends Datagrams datagrams")
	}
	if o.Datagrams > maxDatagrams {
		return invalid("Datagrams", o.Datagrams, fmt.Sprintf("at most %d per socket", maxDatagrams))
	}
	o.Datagrams = max(o.Datagrams, 1)
	return nil
}

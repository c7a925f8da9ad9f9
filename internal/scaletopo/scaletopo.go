// Package scaletopo writes topologies of any size, for the benchmarks that show how lvslab grows with a lab.
package scaletopo

import (
	"fmt"
	"strings"
)

// ManyServers is a NAT topology with n real servers (at most 1000) behind one director, rules included,
// for the benchmarks that show how parsing and building grow with a lab's size.
func ManyServers(n int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `name: many%d
networks:
  front: {subnet: 192.168.0.0/24}
  back: {subnet: 172.16.0.0/16}
hosts:
  client:
    interfaces: [{network: front, address: 192.168.0.100/24}]
  director:
    interfaces:
      - {network: front, address: 192.168.0.75/24}
      - {network: back, address: 172.16.0.1/16}
    sysctls: {net.ipv4.ip_forward: 1}
`, n)
	for i := range n {
		fmt.Fprintf(&b, "  rs%d:\n    interfaces: [{network: back, address: %s/16}]\n    gateway: 172.16.0.1\n    http: {port: 80, body: rs%d}\n", i+1, serverAddr(i), i+1)
	}
	b.WriteString("ipvs:\n  on: director\n  rules: |\n    -A -t 192.168.0.75:80 -s wrr\n")
	for i := range n {
		fmt.Fprintf(&b, "    -a -t 192.168.0.75:80 -r %s:80 -m -w %d\n", serverAddr(i), i%5+1)
	}
	return []byte(b.String())
}

// serverAddr is the i-th real server's address: 172.16.1.1 onwards, 250 to a /24.
func serverAddr(i int) string {
	return fmt.Sprintf("172.16.%d.%d", 1+i/250, 1+i%250)
}

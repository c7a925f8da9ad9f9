#!/bin/sh
# The NAT walkthrough built the way tutorials do it: one `ip` command per step. `make bench` times it
# against lvslab up/down. Usage: nat-walkthrough-ip.sh up|down PREFIX
# It builds the same namespaces, bridges, veths, addresses, routes and sysctls as lvslab's default
# topology, but starts no HTTP servers (lvslab's timing includes them).
set -e
p=$2
hosts="client director rs1 rs2 rs3"
if [ "$1" = down ]; then
	for h in switch $hosts; do ip netns del "$p-$h"; done
	exit 0
fi
for h in switch $hosts; do ip netns add "$p-$h"; done
sw="ip -n $p-switch"
$sw link add br0 type bridge
$sw link add br1 type bridge
$sw link set br0 up
$sw link set br1 up
port=0
# link HOST IFNAME BRIDGE ADDRESS
link() {
	port=$((port + 1))
	$sw link add "p$port" type veth peer name "$2" netns "$p-$1"
	$sw link set "p$port" master "$3" up
	ip -n "$p-$1" addr add "$4" dev "$2"
	ip -n "$p-$1" link set "$2" up
}
link client eth0 br0 192.168.0.100/24
link director eth0 br0 192.168.0.75/24
link director eth1 br1 172.16.0.10/16
link rs1 eth0 br1 172.16.0.45/16
link rs2 eth0 br1 172.16.0.55/16
link rs3 eth0 br1 172.16.0.65/16
for h in $hosts; do
	ip -n "$p-$h" link set lo up
	ip netns exec "$p-$h" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
done
ip netns exec "$p-director" sysctl -qw net.ipv4.ip_forward=1
for h in rs1 rs2 rs3; do ip -n "$p-$h" route add default via 172.16.0.10; done

//go:build linux

package lab

import (
	"fmt"
	"io"
	"os"

	"github.com/lvslab/lvslab/topology/ipvsadm"
)

// maxConnTableBytes bounds what is read of the director's connection table: a scenario's most
// connections (100,000) at about 110 bytes a line, several phases over.
const maxConnTableBytes = 64 << 20

// Conns reads the director's connection table (ipvsadm -L -c): every connection entry and persistence
// template, with the real server IPVS chose. Unlike IPVS's Conns counters read through netlink, which its
// estimator refreshes only every two seconds, the table is exact the moment a connection is scheduled.
func (l *Lab) Conns() ([]ipvsadm.Conn, error) {
	data, err := l.readDirectorProc("ip_vs_conn", maxConnTableBytes)
	if err != nil {
		return nil, err
	}
	return ipvsadm.ParseConns(data)
}

// IPVSTotals reads the director's counters over all its services from the per-CPU counters, which count
// every connection and packet at once (ipvsadm --stats's totals lag up to two seconds behind them).
func (l *Lab) IPVSTotals() (ipvsadm.Counters, error) {
	data, err := l.readDirectorProc("ip_vs_stats_percpu", 1<<20)
	if err != nil {
		return ipvsadm.Counters{}, err
	}
	return ipvsadm.ParsePerCPUTotals(data)
}

// readDirectorProc reads a file of /proc/net as the director's namespace shows it, at most limit bytes.
func (l *Lab) readDirectorProc(name string, limit int) ([]byte, error) {
	host, err := l.director()
	if err != nil {
		return nil, err
	}
	path, err := l.Namespace(host)
	if err != nil {
		return nil, err
	}
	var data []byte
	err = inNamespace(path, func() error {
		// /proc/thread-self/net follows this thread's namespace; /proc/self/net the main thread's.
		f, err := os.Open("/proc/thread-self/net/" + name)
		if err != nil {
			return err
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, int64(limit)+1))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the director's /proc/net/%s: %w", name, err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("the director's /proc/net/%s is over %d bytes; lvslab reads at most that", name, limit)
	}
	return data, nil
}

package debian

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// errNotFound is a file the mirror does not have.
var errNotFound = errors.New("not found")

// client bounds each step of a request, and idleReader each wait for the body's next bytes: a mirror that
// stops answering is given up on, not waited for.
var client = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout:   30 * time.Second,
	ResponseHeaderTimeout: 30 * time.Second,
	IdleConnTimeout:       30 * time.Second,
}}

// idleTimeout is how long a download may go without a byte.
const idleTimeout = 60 * time.Second

// idleReader cancels its request when no byte has come for idleTimeout.
type idleReader struct {
	io.ReadCloser
	timer  *time.Timer
	cancel context.CancelFunc
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.timer.Reset(idleTimeout)
	return n, err
}

func (r *idleReader) Close() error {
	r.timer.Stop()
	r.cancel()
	return r.ReadCloser.Close()
}

// open starts reading a file of the archive: an http(s) GET, or a file:// path.
func open(ctx context.Context, rawURL string) (io.ReadCloser, int64, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, 0, err
	}
	if u.Scheme == "file" {
		f, err := os.Open(u.Path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, fmt.Errorf("%s: %w", rawURL, errNotFound)
		}
		if err != nil {
			return nil, 0, err
		}
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			f.Close()
			return nil, 0, fmt.Errorf("%s: expected a file", rawURL)
		}
		return f, st.Size(), nil
	}
	ctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		cancel()
		return nil, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		return nil, 0, fmt.Errorf("fetching from the Debian mirror: %w; check the network, or pass another --mirror", err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return nil, 0, fmt.Errorf("%s: %s: %w", rawURL, resp.Status, errNotFound)
		}
		return nil, 0, fmt.Errorf("%s: expected 200 OK, found %s", rawURL, resp.Status)
	}
	return &idleReader{ReadCloser: resp.Body, timer: time.AfterFunc(idleTimeout, cancel), cancel: cancel}, resp.ContentLength, nil
}

// getSmall reads a whole file of at most limit bytes.
func getSmall(ctx context.Context, rawURL string, limit int64) ([]byte, error) {
	body, _, err := open(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rawURL, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: expected at most %d bytes, found more", rawURL, limit)
	}
	return data, nil
}

// fetchVerified stores the file at rawURL as dest unless dest is there already, with the size and SHA256
// that want (from the signed index named by signedBy) gives; anything else is refused. dest appears whole
// or not at all. A dest already there is read again and, if it is not that file (changed since, or not a
// plain file), replaced.
func fetchVerified(ctx context.Context, rawURL string, want FileDigest, dest, signedBy string) error {
	if holds(dest, want) {
		return nil
	}
	os.Remove(dest)
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	body, length, err := open(ctx, rawURL)
	if err != nil {
		return err
	}
	defer body.Close()
	if length > want.Size {
		return mismatch(rawURL, signedBy, want, "", length)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dest), ".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, want.Size+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", rawURL, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != want.Size || got != want.SHA256 {
		return mismatch(rawURL, signedBy, want, got, n)
	}
	return os.Rename(tmp.Name(), dest)
}

func mismatch(rawURL, signedBy string, want FileDigest, got string, size int64) error {
	found := fmt.Sprintf("%d bytes", size)
	if got != "" {
		found = "SHA256 " + got + ", " + found
	}
	return fmt.Errorf("%s: refused: its signed index (%s) says SHA256 %s, %d bytes; the mirror served %s. The mirror or something on the way altered it: try another (--mirror or $%s)",
		rawURL, signedBy, want.SHA256, want.Size, found, MirrorEnv)
}

// holds tells whether path is a plain file (not a link) with want's size and SHA256.
func holds(path string, want FileDigest) bool {
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() != want.Size {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, want.Size)); err != nil {
		return false
	}
	return hex.EncodeToString(h.Sum(nil)) == want.SHA256
}

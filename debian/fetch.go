package debian

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// errNotFound is a file the mirror does not have.
var errNotFound = errors.New("not found")

// client bounds each request: a mirror that stops answering is given up on, not waited for.
var client = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	ResponseHeaderTimeout: 30 * time.Second,
	IdleConnTimeout:       30 * time.Second,
}}

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
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("fetching from the Debian mirror: %w; check the network, or pass another --mirror", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return nil, 0, fmt.Errorf("%s: %s: %w", rawURL, resp.Status, errNotFound)
		}
		return nil, 0, fmt.Errorf("%s: expected 200 OK, found %s", rawURL, resp.Status)
	}
	return resp.Body, resp.ContentLength, nil
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

// fetchVerified stores the file at rawURL as dest unless dest is there already, refusing it unless it
// has the size and SHA256 that want (from the signed index named by signedBy) gives. dest appears whole
// or not at all.
func fetchVerified(ctx context.Context, rawURL string, want FileDigest, dest, signedBy string) error {
	if st, err := os.Stat(dest); err == nil && st.Size() == want.Size {
		return nil
	}
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

//go:build linux && !amd64 && !arm64

package bootload

// sysFinitModule is not known for this architecture: /init loads the boot modules itself.
const sysFinitModule = 0

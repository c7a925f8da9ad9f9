package proto

// A microVM that outlives the command that booted it (Boot) serves commands through an agent: its /init
// listens on TCP inside the guest, reached from the host through qemu's user network, forwarded from a
// port on the host's loopback. Each command is one connection: the client sends the machine's secret,
// then a request, then its stdin, window changes and signals; the agent sends the command's output and
// its exit. The secret, random per machine, keeps other local users (loopback is shared) out.
//
// Stdin flows only as far as the agent has room for it (FrameCredit): the agent takes every frame the
// moment it comes, so that a signal is never stuck behind input the command does not read.

// Frames of an agent connection, besides FrameStdout, FrameStderr, FrameExit and FrameError.
const (
	FrameRequest  = 'Q' // host → guest: an ExecRequest, as JSON
	FrameStdin    = 'I' // host → guest: bytes for the command's stdin
	FrameStdinEOF = 'e' // host → guest: the command's stdin ends
	FrameResize   = 'W' // host → guest: the terminal's new size, rows and columns as two big-endian uint16
	FrameSignal   = 'S' // host → guest: a signal for the command, a big-endian int32
	FrameCredit   = 'C' // guest → host: this many more bytes of stdin may come, a big-endian uint32
)

// Frames of the control channel (the virtio serial port) of a machine that outlives its command.
const (
	FrameReady  = 'R' // guest → host: the agent serves
	FrameDetach = 'D' // host → guest: the host lets go; the machine now lives on its own
)

const (
	AgentGuestAddr  = "10.0.2.15:7000" // qemu's user network gives the guest this address
	AgentSecretLen  = 32
	MaxRequestBytes = 1 << 20
	StdinWindow     = 256 << 10 // the stdin the agent holds for a command that has not read it yet
)

// ExecRequest is a command for the agent to run in the guest, with the guest's root as the host's.
type ExecRequest struct {
	Argv []string `json:"argv"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"` // made writable from the guest: the host's folder itself, not a copy
	TTY  bool     `json:"tty"` // run under a pseudo-terminal of Rows × Cols
	Rows uint16   `json:"rows,omitempty"`
	Cols uint16   `json:"cols,omitempty"`
	// PowerOff asks the machine to power off, once this connection has its answer.
	PowerOff bool `json:"poweroff,omitempty"`
	// Lab and Host, when set, run the command inside that lab host's network namespace, as `lvslab exec`
	// in the guest would, but without starting another lvslab there (under emulation, most of a round
	// trip): the agent finds the namespace with the function its /init was given (guest.RunIfInit).
	Lab  string `json:"lab,omitempty"`
	Host string `json:"host,omitempty"`
}

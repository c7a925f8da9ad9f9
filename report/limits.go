package report

// Bounds of reports read from outside. Each is what lvslab test can write, with room; what one report
// or a merge of several may take in memory is bounded as a whole by MaxKept, and what a page draws by
// maxDrawn.
const (
	// MaxBytes bounds one report file, and so the time it takes to read: a suite's report is a few MiB,
	// and a merge's JSON, indented, up to about twice what its files hold in memory (MaxKept).
	MaxBytes = 1 << 30
	// MaxKept bounds the memory that the reports read together (the files of one merge) take once
	// decoded, as estimated from their JSON before it is decoded.
	MaxKept = 512 << 20
	// maxResultBytes bounds one result's JSON: a phase of a million connections, each with its server and
	// client, takes about 50 MiB as lvslab test writes it.
	maxResultBytes = 64 << 20
	maxRunBytes    = 64 << 10
	maxTokenBytes  = 4 << 10 // a field name, the format
	maxRuns        = 10_000  // a run per kernel and shard
	maxResults     = 100_000 // thousands of scenarios on tens of kernels

	maxName    = 256       // a scenario's, a verdict's, a real server's name
	maxLine    = 4 << 10   // a source, an about, a URL, a kernel package or build string
	maxRelease = 64        // a kernel release, as uname gives it
	maxSummary = 16 << 10  // a verdict's summary
	maxText    = 256 << 10 // an error, a verdict's detail (a table of a thousand servers fits)

	maxPhases   = 100          // a scenario has at most 100
	maxSteps    = 100          // a phase has at most 100
	maxVerdicts = 32           // a phase of lvslab test has at most 9 checks
	maxSplit    = 1_024        // a share per real server: a topology has at most 1024 hosts
	maxOrder    = 40           // assert keeps a window of 40 connections around the first difference
	maxSequence = 1 << 20      // a load records at most 2^20 connections (loadgen)
	maxServers  = maxSplit + 1 // and the responses that named no server
	maxSysctls  = 64
	maxClient   = 64 // an IPv6 address with its zone

	// maxDiagramItems bounds a lab's diagram as a whole (hosts, networks, services, and their ports,
	// notes and rules): a lab of 1024 hosts, each with two addresses and a rule to it, fits.
	maxDiagramItems = 8192
	// maxDepth bounds the nesting of a result's JSON: lvslab writes 7 levels (phases, a phase, verdicts, a
	// verdict, its order, the expected servers).
	maxDepth = 8
)

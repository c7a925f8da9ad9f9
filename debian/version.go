package debian

import "strings"

// CompareVersions orders two Debian versions as dpkg does (Policy 5.6.12): epoch numerically, then the
// upstream version and the revision each by verrevcmp, where "~" sorts before everything, even the end.
// It returns -1, 0 or 1.
func CompareVersions(a, b string) int {
	ea, ua, ra := splitVersion(a)
	eb, ub, rb := splitVersion(b)
	if c := compareNumbers(ea, eb); c != 0 {
		return c
	}
	if c := verrevcmp(ua, ub); c != 0 {
		return c
	}
	return verrevcmp(ra, rb)
}

// splitVersion cuts [epoch:]upstream[-revision]; the revision follows the last hyphen.
func splitVersion(v string) (epoch, upstream, revision string) {
	epoch, rest, ok := strings.Cut(v, ":")
	if !ok {
		epoch, rest = "0", v
	}
	upstream, revision = rest, ""
	if i := strings.LastIndexByte(rest, '-'); i >= 0 {
		upstream, revision = rest[:i], rest[i+1:]
	}
	return epoch, upstream, revision
}

// verrevcmp is dpkg's: alternate runs of non-digits (compared by order) and digits (compared as numbers).
func verrevcmp(a, b string) int {
	for a != "" || b != "" {
		for (a != "" && !isDigit(a[0])) || (b != "" && !isDigit(b[0])) {
			oa, ob := charOrder(a), charOrder(b)
			if oa != ob {
				return sign(oa - ob)
			}
			a, b = a[1:], b[1:]
		}
		da, db := leadingDigits(a), leadingDigits(b)
		if c := compareNumbers(da, db); c != 0 {
			return c
		}
		a, b = a[len(da):], b[len(db):]
	}
	return 0
}

// charOrder ranks the first byte of s: the end of a non-digit run (a digit or nothing) is 0, "~" sorts
// before it, letters before other characters.
func charOrder(s string) int {
	switch {
	case s == "" || isDigit(s[0]):
		return 0
	case s[0] == '~':
		return -1
	case s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z':
		return int(s[0])
	default:
		return int(s[0]) + 256
	}
}

// compareNumbers compares runs of decimal digits of any length, without converting them.
func compareNumbers(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

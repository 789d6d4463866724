package platform

import "strconv"

// SizeText is a file's size as people read it: "3 MB", "120 KB", "512
// bytes", "1.5 GB". Whole units, rounded down, below a gigabyte.
func SizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', -1, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

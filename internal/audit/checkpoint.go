package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"
)

// Every organisation has a log of its own (and the platform one for
// entries that belong to no organisation), so a signed tree head must say
// whose log it is: otherwise one organisation's head could be passed off as
// another's. Heads are therefore checkpoints in the C2SP tlog-checkpoint
// form rather than tlog.FormatTree's fixed "go.sum database tree" header:
//
//	dbtp-audit/<org ID or "platform">
//	<tree size, decimal>
//	<root hash, standard base64>
//
// signed as a golang.org/x/mod/sumdb/note by the platform's audit key.

// Origin names the log of organisation orgID in its checkpoints. orgID is
// as stored ("" for platform-level entries) or PlatformOrg.
func Origin(orgID string) string {
	if orgID == "" {
		orgID = PlatformOrg
	}
	return KeyName + "/" + orgID
}

// Checkpoint is the signed text of a tree head.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
}

func formatCheckpoint(orgID string, size int64, root tlog.Hash) string {
	return Origin(orgID) + "\n" + strconv.FormatInt(size, 10) + "\n" + root.String() + "\n"
}

var errBadCheckpoint = errors.New("audit: malformed checkpoint")

// ParseCheckpoint reads the text of a signed tree head (note.Open gives it
// after checking the signature). It accepts exactly what this package
// writes: three lines, a decimal size without leading zeros and a 32-byte
// root hash.
func ParseCheckpoint(text string) (Checkpoint, error) {
	origin, n, root, rest, ok := parseCheckpoint([]byte(text))
	if !ok || len(rest) != 0 {
		return Checkpoint{}, errBadCheckpoint
	}
	return Checkpoint{Origin: string(origin), Size: n, Root: root}, nil
}

// parseHeadNote reads the checkpoint at the start of a whole signed note
// (text, blank line, signature lines) without checking the signature and
// without allocating: the verifier compares every stored head with the
// recomputed tree, and only one that disagrees needs a full note.Open.
func parseHeadNote(note []byte) (origin []byte, n int64, root tlog.Hash, ok bool) {
	origin, n, root, rest, ok := parseCheckpoint(note)
	if !ok || len(rest) == 0 || rest[0] != '\n' {
		return nil, 0, root, false
	}
	return origin, n, root, true
}

var originPrefix = []byte(KeyName + "/")

func parseCheckpoint(text []byte) (origin []byte, n int64, root tlog.Hash, rest []byte, ok bool) {
	nl := bytes.IndexByte(text, '\n')
	if nl < 1 {
		return
	}
	origin, rest = text[:nl], text[nl+1:]
	if !bytes.HasPrefix(origin, originPrefix) || len(origin) == len(originPrefix) {
		return
	}
	nl = bytes.IndexByte(rest, '\n')
	if nl < 1 || nl > 18 || (rest[0] == '0' && nl > 1) {
		return
	}
	for _, c := range rest[:nl] {
		if c < '0' || c > '9' {
			return
		}
		n = n*10 + int64(c-'0')
	}
	rest = rest[nl+1:]
	const b64 = 44 // base64 of 32 bytes
	var dst [33]byte
	if len(rest) < b64+1 || rest[b64] != '\n' {
		return
	}
	if k, err := base64.StdEncoding.Strict().Decode(dst[:], rest[:b64]); err != nil || k != tlog.HashSize {
		return
	}
	copy(root[:], dst[:tlog.HashSize])
	return origin, n, root, rest[b64+1:], true
}

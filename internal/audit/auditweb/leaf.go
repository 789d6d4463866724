package auditweb

import (
	"encoding/binary"

	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/audit"
)

// leafHash is the record hash of e in its organisation's Merkle tree:
// tlog.RecordHash of the entry's canonical encoding, version 2, as
// documented in internal/audit/encoding.go (version byte, index in the
// organisation's log and Unix milliseconds as big-endian uint64, then ten
// uvarint-length-prefixed strings). The audit
// package keeps its encoder unexported, so it is rebuilt here from the
// decoded entry; that is the point of an inclusion check on the entry page:
// the content shown, not a hash read back from storage, is what is proved
// to be in the signed tree. The encoding never changes meaning (a new
// layout gets a new version byte), and the tests prove this copy agrees by
// checking proofs against the log.
func leafHash(e audit.Entry) tlog.Hash {
	b := make([]byte, 0, 17+len(e.Detail)+len(e.ActorName)+128)
	b = append(b, 2)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Index))
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMilli()))
	for _, s := range [10]string{e.OrgID, e.ActorID, e.ActorName, e.ActingFor, e.Action,
		e.ResourceType, e.ResourceID, string(e.Outcome), e.Addr, e.Detail} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return tlog.RecordHash(b)
}

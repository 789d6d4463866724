package pades

import (
	"bytes"
	"fmt"

	"dbtp/internal/signing/internal/pdfdoc"
	"github.com/digitorus/pdf"
)

// addDSS appends an incremental update with the Document Security Store
// (ISO 32000-2 12.8.4.3, ETSI EN 319 142-1 5.4): the certificates, CRLs and
// OCSP responses that validate the signatures, each as a stream, listed in
// the catalog's /DSS. A store left by an earlier signer is kept and extended.
func addDSS(doc []byte, v *validationData) ([]byte, error) {
	r, err := pdfdoc.Open(doc, int64(len(doc))+1)
	if err != nil {
		return nil, err
	}
	var out []byte
	err = pdfdoc.Guard(func() error {
		u := newUpdate(doc, r)
		root := r.Trailer().Key("Root")
		rootID, rootGen := pdfdoc.PtrOf(root)
		old := root.Key("DSS")
		oldID := pdfdoc.IDOf(old)
		if oldID == rootID {
			oldID = 0 // a direct DSS: its arrays are written out below
		}

		lists := map[string][][]byte{"Certs": nil, "CRLs": v.crls, "OCSPs": v.ocsps}
		for _, c := range v.certs {
			lists["Certs"] = append(lists["Certs"], c.Raw)
		}
		var dss bytes.Buffer
		dss.WriteString("<< /Type /DSS")
		for _, key := range []string{"Certs", "CRLs", "OCSPs"} {
			prev := old.Key(key)
			if len(lists[key]) == 0 && prev.Len() == 0 {
				continue
			}
			dss.WriteString(" /" + key + " [")
			have := map[string]bool{}
			for i := 0; i < prev.Len(); i++ {
				s := prev.Index(i)
				have[streamText(s)] = true
				dss.WriteString(pdfdoc.Ref(pdfdoc.PtrOf(s)) + " ")
			}
			for _, der := range lists[key] {
				if have[string(der)] {
					continue
				}
				id := u.add(stream(der))
				dss.WriteString(pdfdoc.Ref(id, 0) + " ")
			}
			dss.WriteString("]")
		}
		dss.WriteString(" >>")
		if oldID != 0 {
			u.set(oldID, 0, dss.Bytes())
		} else {
			id := u.add(dss.Bytes())
			var cb bytes.Buffer
			pdfdoc.WriteDictOpen(&cb, root, rootID, 0, map[string]bool{"DSS": true})
			cb.WriteString(" /DSS " + pdfdoc.Ref(id, 0) + " >>")
			u.set(rootID, rootGen, cb.Bytes())
		}
		out = u.bytes()
		return nil
	})
	return out, err
}

func stream(data []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< /Length %d >>\nstream\n", len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	return b.Bytes()
}

// streamText reads a stream's decoded contents, to recognise data already
// in an earlier store.
func streamText(s pdf.Value) string {
	if s.Kind() != pdf.Stream {
		return ""
	}
	rc := s.Reader()
	defer rc.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(rc)
	return b.String()
}

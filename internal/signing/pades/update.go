package pades

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"dbtp/internal/signing/internal/pdfdoc"
	"github.com/digitorus/pdf"
)

// update is one incremental update (ISO 32000-1, 7.5.6): new and changed
// objects appended after the document's last byte with a cross-reference
// section whose /Prev points at the previous one. The bytes before stay as
// they were, so every signature over them stays valid.
type update struct {
	base []byte
	r    *pdf.Reader
	next uint32 // the next free object number
	objs []object
}

type object struct {
	id, gen uint32
	body    []byte // the object's value, without "n g obj" and "endobj"
}

func newUpdate(base []byte, r *pdf.Reader) *update {
	size := uint32(r.Trailer().Key("Size").Int64())
	if n := uint32(len(r.Xref())); n > size {
		size = n
	}
	return &update{base: base, r: r, next: size}
}

// add appends a new object and returns its number.
func (u *update) add(body []byte) uint32 {
	id := u.next
	u.next++
	u.objs = append(u.objs, object{id: id, body: body})
	return id
}

// reserve returns a new object number whose body is given later with set.
func (u *update) reserve() uint32 {
	id := u.next
	u.next++
	return id
}

// set gives the body of object id (new, reserved or replacing an old one).
func (u *update) set(id, gen uint32, body []byte) {
	for i := range u.objs {
		if u.objs[i].id == id {
			u.objs[i] = object{id: id, gen: gen, body: body}
			return
		}
	}
	u.objs = append(u.objs, object{id: id, gen: gen, body: body})
}

// bytes returns the document with the update appended. The cross-reference
// section has the same form as the document's last one: a table after a
// table, a stream after a stream (PDF 1.5 readers may not follow a table's
// /Prev into a stream).
func (u *update) bytes() []byte {
	var out bytes.Buffer
	n := len(u.base) + 4096 // the cross-reference section and trailer
	for _, o := range u.objs {
		n += len(o.body) + 32
	}
	out.Grow(n) // at once: growing would copy the whole document again
	out.Write(u.base)
	// Every object of the update starts a line that a line feed ends
	// before it (a document ending in a bare CR gets CR LF): placing the
	// signature looks for "\n<id> 0 obj\n".
	if len(u.base) > 0 && u.base[len(u.base)-1] != '\n' {
		out.WriteByte('\n')
	}
	offsets := map[uint32]int{}
	for _, o := range u.objs {
		offsets[o.id] = out.Len()
		fmt.Fprintf(&out, "%d %d obj\n", o.id, o.gen)
		out.Write(o.body)
		out.WriteString("\nendobj\n")
	}
	tr := u.r.Trailer()
	var trailer bytes.Buffer
	if root := tr.Key("Root"); root.Kind() == pdf.Dict {
		trailer.WriteString(" /Root " + pdfdoc.Ref(pdfdoc.PtrOf(root)))
	}
	if info := tr.Key("Info"); info.Kind() == pdf.Dict {
		if id, gen := pdfdoc.PtrOf(info); id != pdfdoc.IDOf(tr) {
			trailer.WriteString(" /Info " + pdfdoc.Ref(id, gen))
		}
	}
	if id := tr.Key("ID"); id.Kind() == pdf.Array && id.Len() == 2 {
		trailer.WriteString(" /ID [")
		pdfdoc.WriteString(&trailer, id.Index(0).RawString())
		pdfdoc.WriteString(&trailer, id.Index(1).RawString())
		trailer.WriteString("]")
	}
	prev := u.r.XrefInformation.StartPos

	ids := make([]uint32, 0, len(u.objs)+1)
	for _, o := range u.objs {
		ids = append(ids, o.id)
	}
	if u.r.XrefInformation.Type == "stream" {
		xid := u.next
		ids = append(ids, xid)
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		start := out.Len()
		offsets[xid] = start
		var data []byte
		var index bytes.Buffer
		for _, run := range runs(ids) {
			fmt.Fprintf(&index, "%d %d ", run[0], len(run))
			for _, id := range run {
				gen := uint16(0)
				for _, o := range u.objs {
					if o.id == id {
						gen = uint16(o.gen)
					}
				}
				data = append(data, 1)
				data = binary.BigEndian.AppendUint32(data, uint32(offsets[id]))
				data = binary.BigEndian.AppendUint16(data, gen)
			}
		}
		fmt.Fprintf(&out, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] /Prev %d%s /Length %d >>\nstream\n",
			xid, xid+1, bytes.TrimSpace(index.Bytes()), prev, trailer.Bytes(), len(data))
		out.Write(data)
		out.WriteString("\nendstream\nendobj\n")
		fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", start)
		return out.Bytes()
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	start := out.Len()
	out.WriteString("xref\n")
	for _, run := range runs(ids) {
		fmt.Fprintf(&out, "%d %d\n", run[0], len(run))
		for _, id := range run {
			gen := uint32(0)
			for _, o := range u.objs {
				if o.id == id {
					gen = o.gen
				}
			}
			fmt.Fprintf(&out, "%010d %05d n\r\n", offsets[id], gen)
		}
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Prev %d%s >>\nstartxref\n%d\n%%%%EOF\n", u.next, prev, trailer.Bytes(), start)
	return out.Bytes()
}

// runs splits sorted object numbers into runs of consecutive numbers, one
// cross-reference subsection each.
func runs(ids []uint32) [][]uint32 {
	var out [][]uint32
	for i, id := range ids {
		if i > 0 && id == ids[i-1]+1 {
			out[len(out)-1] = append(out[len(out)-1], id)
			continue
		}
		out = append(out, []uint32{id})
	}
	return out
}

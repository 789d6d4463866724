package pdfdoc

import (
	"bytes"
	"testing"
	"time"
)

func TestSyntax(t *testing.T) {
	for _, c := range []struct {
		write func(*bytes.Buffer)
		want  string
	}{
		{func(b *bytes.Buffer) { WriteName(b, "Type") }, "/Type"},
		{func(b *bytes.Buffer) { WriteName(b, "A B#(x)") }, "/A#20B#23#28x#29"},
		{func(b *bytes.Buffer) { WriteString(b, "a)b") }, "<612962>"},
		{func(b *bytes.Buffer) { TextString(b, "Ann") }, "<416e6e>"},
		{func(b *bytes.Buffer) { TextString(b, "café") }, "<feff00630061006600e9>"},
		{func(b *bytes.Buffer) { TextString(b, "𝄞") }, "<feffd834dd1e>"},
		{func(b *bytes.Buffer) {
			b.WriteString(Date(time.Date(2026, 11, 29, 6, 5, 4, 0, time.FixedZone("", -(5*3600+30*60)))))
		}, "D:20261129060504-05'30'"},
		{func(b *bytes.Buffer) { b.WriteString(Ref(12, 0)) }, "12 0 R"},
	} {
		var b bytes.Buffer
		c.write(&b)
		if b.String() != c.want {
			t.Errorf("got %s, want %s", b.String(), c.want)
		}
	}
}

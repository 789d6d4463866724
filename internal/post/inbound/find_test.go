package inbound

import (
	"slices"
	"testing"
)

func TestFind(t *testing.T) {
	text := `Mrs Jane Smith
12 Mill Lane
Northshire
ns1  4ab

Dear Sir or Madam,

Re: your reference COMP – 2O26 – 0001I2 and HOUS-2026-000007

I wrote on 3 March about the missed bin at NS2 7QW. Mr Brown next door saw it.

Yours sincerely,

Jane Smith
`
	f := Find(text)
	if want := []string{"COMP-2026-000112", "HOUS-2026-000007"}; !slices.Equal(f.References, want) {
		t.Errorf("references %q, want %q", f.References, want)
	}
	if want := []string{"NS2 7QW"}; !slices.Equal(f.Postcodes, want) {
		// "ns1  4ab" has two spaces: not a postcode as written.
		t.Errorf("postcodes %q, want %q", f.Postcodes, want)
	}
	// Jane Smith signs the letter she heads as Mrs Jane Smith: one name,
	// the fuller, where she was first seen.
	if want := []string{"Mrs Jane Smith", "Mr Brown"}; !slices.Equal(f.Names, want) {
		t.Errorf("names %q, want %q", f.Names, want)
	}
	if f := Find("Dr. Joan Baxter wrote, with Ms Joan Baxter-Hale.\n\nKind regards,\n\nJoan Baxter\n"); !slices.Equal(f.Names, []string{"Dr Joan Baxter", "Ms Joan Baxter-Hale"}) {
		t.Errorf("names %q", f.Names)
	}
	if !Find("nothing here").Empty() {
		t.Error("findings in plain text")
	}
	if f := Find("see ab1 2dd or COMP-26-1"); len(f.References) != 0 || !slices.Equal(f.Postcodes, []string{"AB1 2DD"}) {
		t.Errorf("findings %+v", f)
	}
}

func TestMediaType(t *testing.T) {
	for in, want := range map[string]string{"%PDF-1.7\n": PDF, "\x89PNG\r\n\x1a\nxx": PNG, "\xff\xd8\xff\xe0": JPEG, "II*\x00": TIFF, "PK\x03\x04": "", "": ""} {
		if got := MediaType([]byte(in)); got != want {
			t.Errorf("MediaType(%q) = %q, want %q", in, got, want)
		}
	}
	if !Encrypted([]byte("%PDF-1.4\ntrailer << /Root 1 0 R /Encrypt 5 0 R >>")) || Encrypted([]byte("%PDF-1.4\ntrailer << /Root 1 0 R >>")) {
		t.Error("Encrypted")
	}
}

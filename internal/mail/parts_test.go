package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"

	"dbtp/internal/mail"
	"dbtp/internal/mail/smtptest"
)

// part is one leaf of a received message, decoded.
type part struct {
	mediaType   string
	params      map[string]string
	disposition string
	filename    string
	content     string
}

// walk flattens a MIME body into its leaves, recording the multipart
// structure as a path such as "mixed/alternative".
func walk(t *testing.T, ctype string, body io.Reader, path string, structure *[]string) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatalf("content type %q: %v", ctype, err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("walk on %s", mt)
	}
	path += "/" + strings.TrimPrefix(mt, "multipart/")
	*structure = append(*structure, path)
	mr := multipart.NewReader(body, params["boundary"])
	var out []part
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		ct := p.Header.Get("Content-Type")
		if strings.HasPrefix(ct, "multipart/") {
			out = append(out, walk(t, ct, p, path, structure)...)
			continue
		}
		raw, _ := io.ReadAll(p)
		var content []byte
		switch p.Header.Get("Content-Transfer-Encoding") {
		case "base64":
			for _, line := range strings.Split(string(raw), "\r\n") {
				if len(line) > 76 {
					t.Errorf("base64 line of %d", len(line))
				}
			}
			content, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
			if err != nil {
				t.Fatal(err)
			}
		case "quoted-printable":
			content = []byte(decodeQP(t, string(raw)))
		default:
			t.Fatalf("part without a transfer encoding: %v", p.Header)
		}
		pt, pp, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		d := part{mediaType: pt, params: pp, content: string(content)}
		if cd := p.Header.Get("Content-Disposition"); cd != "" {
			disp, dp, err := mime.ParseMediaType(cd)
			if err != nil {
				t.Fatal(err)
			}
			d.disposition, d.filename = disp, dp["filename"]
		}
		out = append(out, d)
	}
}

func TestSendInvitation(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.New(mail.Config{Addr: srv.Addr, From: "Kent County Council <noreply@kent.example>", StartTLS: mail.TLSNone})
	if err != nil {
		t.Fatal(err)
	}
	ics := "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nSUMMARY:Café \\, 🎉\r\n" + strings.Repeat("X-LONG:"+strings.Repeat("y", 68)+"\r\n", 40) + "END:VCALENDAR\r\n"
	msgs := []mail.Message{
		{To: "jo@example.com", Subject: "Booking: Desk 1.01", Text: "You booked Desk 1.01.\nSee you there.",
			Alternatives: []mail.Part{{ContentType: "text/calendar; charset=UTF-8; method=REQUEST", Content: []byte(ics)}},
			Attachments:  []mail.Part{{ContentType: "application/ics", Filename: "invite.ics", Content: []byte(ics)}}},
		{To: "jo@example.com", Subject: "Only an attachment", Text: "See attached.",
			Attachments: []mail.Part{{ContentType: "text/csv", Filename: "Rapport été.csv", Content: []byte("a,b\r\n1,2\r\n")}}},
		{To: "jo@example.com", Subject: "Only an alternative", Text: "Plain",
			Alternatives: []mail.Part{{ContentType: "text/html;charset=utf-8", Content: []byte("<p>Plain</p>")}}},
	}
	for _, m := range msgs {
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	got := srv.Messages()
	if len(got) != 3 {
		t.Fatalf("%d messages", len(got))
	}

	// The invitation: mixed { alternative { text, calendar }, attachment }.
	m, body := read(t, got[0].Data)
	var structure []string
	parts := walk(t, m.Header.Get("Content-Type"), strings.NewReader(body), "", &structure)
	if strings.Join(structure, " ") != "/mixed /mixed/alternative" || len(parts) != 3 {
		t.Fatalf("structure %v, %d parts", structure, len(parts))
	}
	if parts[0].mediaType != "text/plain" || strings.TrimSuffix(parts[0].content, "\r\n") != "You booked Desk 1.01.\r\nSee you there." {
		t.Errorf("text part %+v", parts[0])
	}
	if parts[1].mediaType != "text/calendar" || parts[1].params["method"] != "REQUEST" || parts[1].content != ics || parts[1].disposition != "" {
		t.Errorf("calendar part %+v", parts[1])
	}
	if parts[2].mediaType != "application/ics" || parts[2].disposition != "attachment" || parts[2].filename != "invite.ics" ||
		parts[2].params["name"] != "invite.ics" || parts[2].content != ics {
		t.Errorf("attachment %+v", parts[2])
	}
	if m.Header.Get("MIME-Version") != "1.0" || m.Header.Get("To") != "<jo@example.com>" {
		t.Errorf("headers %v", m.Header)
	}

	// An attachment alone: mixed { text, attachment }, with a name that
	// needs RFC 2231 encoding.
	m, body = read(t, got[1].Data)
	structure = nil
	parts = walk(t, m.Header.Get("Content-Type"), strings.NewReader(body), "", &structure)
	if strings.Join(structure, " ") != "/mixed" || len(parts) != 2 || parts[1].filename != "Rapport été.csv" || parts[1].content != "a,b\r\n1,2\r\n" {
		t.Fatalf("%v %+v", structure, parts)
	}

	// An alternative alone: alternative { text, html }.
	m, body = read(t, got[2].Data)
	structure = nil
	parts = walk(t, m.Header.Get("Content-Type"), strings.NewReader(body), "", &structure)
	if strings.Join(structure, " ") != "/alternative" || len(parts) != 2 || parts[1].mediaType != "text/html" || parts[1].content != "<p>Plain</p>" {
		t.Fatalf("%v %+v", structure, parts)
	}
	for _, raw := range got {
		for _, line := range strings.Split(raw.Data, "\r\n") {
			if len(line) > 998 {
				t.Fatalf("line of %d octets", len(line))
			}
		}
	}
}

func TestRefusesBadParts(t *testing.T) {
	srv := smtptest.Start(t)
	s, _ := mail.New(mail.Config{Addr: srv.Addr, From: "noreply@kent.example", StartTLS: mail.TLSNone})
	p := &mail.Printer{W: io.Discard}
	for _, m := range []mail.Message{
		{To: "a@example.com", Subject: "x", Alternatives: []mail.Part{{ContentType: "text/calendar\r\nBcc: eve@example.com"}}},
		{To: "a@example.com", Subject: "x", Alternatives: []mail.Part{{ContentType: "not a type"}}},
		{To: "a@example.com", Subject: "x", Attachments: []mail.Part{{ContentType: "text/plain", Filename: "a\r\nb.txt"}}},
		{To: "a@example.com", Subject: "x", Attachments: []mail.Part{{ContentType: "text/plain"}}},
	} {
		if err := s.Send(context.Background(), m); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Errorf("sent %+v: %v", m, err)
		}
		if err := p.Send(context.Background(), m); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Errorf("printed %+v: %v", m, err)
		}
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("message delivered")
	}
}

func TestPrinterListsParts(t *testing.T) {
	var out bytes.Buffer
	p := &mail.Printer{W: &out}
	err := p.Send(context.Background(), mail.Message{To: "jo@example.com", Subject: "Booking", Text: "Booked.",
		Alternatives: []mail.Part{{ContentType: "text/calendar; method=REQUEST", Content: []byte("BEGIN:VCALENDAR")}},
		Attachments:  []mail.Part{{ContentType: "application/ics", Filename: "invite.ics", Content: []byte("BEGIN:VCALENDAR")}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "Booked.") || !strings.Contains(s, "text/calendar; method=REQUEST") || !strings.Contains(s, "invite.ics") {
		t.Fatalf("printed %q", s)
	}
}

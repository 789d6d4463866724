package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// checkParts refuses a part whose type or file name would need trusting:
// a media type that does not parse, or a line break anywhere in either.
func checkParts(m Message) error {
	for _, p := range append(append([]Part(nil), m.Alternatives...), m.Attachments...) {
		if strings.ContainsAny(p.ContentType+p.Filename, "\r\n") {
			return fmt.Errorf("%w: a part's type or name contains a line break", ErrInvalidMessage)
		}
		if _, _, err := mime.ParseMediaType(p.ContentType); err != nil {
			return fmt.Errorf("%w: part type %q: %v", ErrInvalidMessage, p.ContentType, err)
		}
	}
	for _, p := range m.Attachments {
		if strings.TrimSpace(p.Filename) == "" {
			return fmt.Errorf("%w: an attachment needs a file name", ErrInvalidMessage)
		}
	}
	return nil
}

// composeParts writes the Content-Type header and the MIME body of a
// message with alternatives or attachments. The shape is the one Outlook
// and Gmail themselves send invitations in:
//
//	multipart/mixed
//	  multipart/alternative
//	    text/plain
//	    text/calendar; method=REQUEST
//	  application/ics; name="invite.ics" (attachment)
//
// Without attachments the alternative part is the whole body; without
// alternatives the text stands where it would be.
func composeParts(b *bytes.Buffer, m Message) error {
	var body bytes.Buffer
	var ctype string
	if len(m.Attachments) == 0 {
		var err error
		if ctype, err = writeAlternative(&body, m); err != nil {
			return err
		}
	} else {
		mw := multipart.NewWriter(&body)
		ctype = "multipart/mixed; boundary=" + mw.Boundary()
		if len(m.Alternatives) == 0 {
			w, err := mw.CreatePart(textHeader())
			if err != nil {
				return err
			}
			if err := writeText(w, m.Text); err != nil {
				return err
			}
		} else {
			var alt bytes.Buffer
			altType, err := writeAlternative(&alt, m)
			if err != nil {
				return err
			}
			w, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {altType}})
			if err != nil {
				return err
			}
			w.Write(alt.Bytes())
		}
		for _, a := range m.Attachments {
			h := partHeader(a)
			h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
			if err := writeBase64(mw, h, a.Content); err != nil {
				return err
			}
		}
		if err := mw.Close(); err != nil {
			return err
		}
	}
	b.WriteString("Content-Type: " + ctype + "\r\n\r\n")
	b.Write(body.Bytes())
	return nil
}

// writeAlternative writes the text and its other forms as the parts of a
// multipart/alternative body and returns that body's content type.
func writeAlternative(b *bytes.Buffer, m Message) (string, error) {
	mw := multipart.NewWriter(b)
	w, err := mw.CreatePart(textHeader())
	if err != nil {
		return "", err
	}
	if err := writeText(w, m.Text); err != nil {
		return "", err
	}
	for _, a := range m.Alternatives {
		if err := writeBase64(mw, partHeader(a), a.Content); err != nil {
			return "", err
		}
	}
	return "multipart/alternative; boundary=" + mw.Boundary(), mw.Close()
}

func textHeader() textproto.MIMEHeader {
	return textproto.MIMEHeader{"Content-Type": {"text/plain; charset=UTF-8"}, "Content-Transfer-Encoding": {"quoted-printable"}}
}

// partHeader re-formats the part's media type (checked by checkParts), so
// what goes on the wire is well formed whatever spacing it came with; an
// attachment's name is also given as the type's name parameter, which
// older mail programs read instead of the disposition's.
func partHeader(p Part) textproto.MIMEHeader {
	mt, params, _ := mime.ParseMediaType(p.ContentType)
	if p.Filename != "" {
		params["name"] = p.Filename
	}
	return textproto.MIMEHeader{"Content-Type": {mime.FormatMediaType(mt, params)}, "Content-Transfer-Encoding": {"base64"}}
}

// writeBase64 writes a part whose content is base64 in lines of 76, which
// carries any bytes (and any line ending inside them) through any relay.
func writeBase64(mw *multipart.Writer, h textproto.MIMEHeader, content []byte) error {
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	enc := base64.StdEncoding.EncodeToString(content)
	for len(enc) > 76 {
		if _, err := w.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err = w.Write([]byte(enc + "\r\n"))
	return err
}

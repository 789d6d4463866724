package recordsweb

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// maxField is the largest field sent beside a streamed file.
const maxField = 64 << 10

// streamParts reads an API upload in order: its small fields, up to the
// part named file, which it returns unread so the content streams from
// the socket into the encrypted store (never spooled to a plaintext
// temporary file). Fields after the file are refused: send them first.
func streamParts(r *http.Request) (map[string]string, *multipart.Part, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, platform.Invalid("Send multipart/form-data with the fields first and a part named file last")
	}
	fields := map[string]string{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, nil, platform.Invalid("Send the content as a part named file", platform.FieldError{Field: "file", Message: "is missing"})
		}
		if err != nil {
			return nil, nil, readError(err)
		}
		if p.FormName() == "file" {
			return fields, p, nil
		}
		b, err := io.ReadAll(io.LimitReader(p, maxField+1))
		if err != nil {
			return nil, nil, readError(err)
		}
		if len(b) > maxField || !utf8.Valid(b) {
			return nil, nil, platform.Invalid("The field "+p.FormName()+" is too long or not text", platform.FieldError{Field: p.FormName(), Message: "is not valid"})
		}
		fields[p.FormName()] = string(b)
	}
}

func readError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &platform.Error{Code: platform.CodeTooLarge, Message: "The request is too large.", Err: err}
	}
	return &platform.Error{Code: platform.CodeInvalid, Message: "The upload could not be read: send multipart/form-data", Err: err}
}

package recordsweb

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"sync"
)

// spool keeps an uploaded import archive on disk while it is read, since
// a ZIP is read from its end and an upload arrives from its start. The
// archive holds the records' content, so it is never written in
// plaintext: each 64 KiB segment is sealed with AES-256-GCM under a key
// that exists only in this process's memory, and the file is unlinked as
// soon as it is made, so nothing is left behind even if the process dies.
type spool struct {
	mu   sync.Mutex
	f    *os.File
	aead cipher.AEAD
	size int64
	seg  int64  // index of the segment in buf; -1: none
	buf  []byte // one opened segment, as ZIP reads are small and local
}

const spoolSegment = 64 << 10

func newSpool(r io.Reader) (*spool, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "dbtp-import-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // open still; gone from the folder
	s := &spool{f: f, aead: aead, seg: -1}
	w := bufio.NewWriterSize(f, 4*spoolSegment)
	plain := make([]byte, spoolSegment)
	var sealed []byte
	for i := int64(0); ; i++ {
		n, err := io.ReadFull(r, plain)
		if n > 0 {
			sealed = aead.Seal(sealed[:0], nonce(i), plain[:n], nil)
			if _, werr := w.Write(sealed); werr != nil {
				f.Close()
				return nil, werr
			}
			s.size += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			f.Close()
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// nonce is segment i's: the key is never used for another spool, so a
// counter is a unique nonce.
func nonce(i int64) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint64(n[4:], uint64(i))
	return n
}

func (s *spool) Size() int64 { return s.size }

// ReadAt reads the plaintext at off, opening (and authenticating) the
// segments it spans.
func (s *spool) ReadAt(p []byte, off int64) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if off < 0 {
		return 0, errors.New("spool: negative offset")
	}
	n := 0
	for n < len(p) && off < s.size {
		i := off / spoolSegment
		if err := s.open(i); err != nil {
			return n, err
		}
		c := copy(p[n:], s.buf[off-i*spoolSegment:])
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (s *spool) open(i int64) error {
	if s.seg == i {
		return nil
	}
	over := int64(s.aead.Overhead())
	length := min(spoolSegment, s.size-i*spoolSegment) + over
	sealed := make([]byte, length)
	if _, err := s.f.ReadAt(sealed, i*(spoolSegment+over)); err != nil {
		return err
	}
	plain, err := s.aead.Open(s.buf[:0], nonce(i), sealed, nil)
	if err != nil {
		return errors.New("spool: a segment of the uploaded archive was altered on disk")
	}
	s.buf, s.seg = plain, i
	return nil
}

// Close removes the spool.
func (s *spool) Close() error { return s.f.Close() }

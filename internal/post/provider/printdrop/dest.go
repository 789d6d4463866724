package printdrop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// partial is the hidden name a batch is written under.
func partial(batch string) string { return ".partial-" + batch }

// folder is a local (or mounted) folder the printer collects from.
type folder string

func (f folder) name() string { return "folder " + string(f) }

func (f folder) exists(_ context.Context, batch string) (bool, error) {
	_, err := os.Stat(filepath.Join(string(f), batch))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (f folder) put(_ context.Context, batch string, files map[string][]byte) error {
	tmp := filepath.Join(string(f), partial(batch))
	// A partial batch from a write that died is thrown away and written
	// again.
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.Mkdir(tmp, 0o750); err != nil {
		return err
	}
	for n, b := range files {
		if err := writeFileSync(filepath.Join(tmp, n), b); err != nil {
			os.RemoveAll(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, filepath.Join(string(f), batch)); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	// The rename itself is made durable by syncing the folder.
	if d, err := os.Open(string(f)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// SFTP is a printer's SFTP drop. The server's host key must be given:
// letters carry people's names and addresses, so an unknown server is
// never trusted.
type SFTP struct {
	Addr       string // host:port
	User       string
	Password   string // or
	PrivateKey []byte // a PEM private key (OpenSSH or PKCS#8)
	HostKey    string // the server's public key, as in known_hosts or authorized_keys: "ssh-ed25519 AAAA..."
	Dir        string // the folder on the server batches go into
	Timeout    time.Duration
}

func (s *SFTP) name() string {
	return "sftp://" + s.User + "@" + s.Addr + "/" + strings.TrimPrefix(s.Dir, "/")
}

func (s *SFTP) dial(ctx context.Context) (*sftp.Client, func(), error) {
	hk, _, _, _, err := ssh.ParseAuthorizedKey([]byte(s.HostKey))
	if err != nil {
		// known_hosts lines start with the host name.
		if _, _, k, _, _, err2 := ssh.ParseKnownHosts([]byte(s.HostKey)); err2 == nil {
			hk, err = k, nil
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the SFTP server's host key is not readable: %w", err)
	}
	var auth []ssh.AuthMethod
	if len(s.PrivateKey) > 0 {
		signer, err := ssh.ParsePrivateKey(s.PrivateKey)
		if err != nil {
			return nil, nil, fmt.Errorf("the SFTP private key is not readable: %w", err)
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if s.Password != "" {
		auth = append(auth, ssh.Password(s.Password))
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	cfg := &ssh.ClientConfig{User: s.User, Auth: auth, HostKeyCallback: ssh.FixedHostKey(hk), Timeout: timeout}
	var dl net.Dialer
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dl.DialContext(dctx, "tcp", s.Addr)
	if err != nil {
		return nil, nil, err
	}
	c, chans, reqs, err := ssh.NewClientConn(conn, s.Addr, cfg)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	client := ssh.NewClient(c, chans, reqs)
	sc, err := sftp.NewClient(client)
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	// The context ends the session too: a stuck server does not hold the
	// flush for ever.
	stop := context.AfterFunc(ctx, func() { client.Close() })
	return sc, func() { stop(); sc.Close(); client.Close() }, nil
}

func (s *SFTP) exists(ctx context.Context, batch string) (bool, error) {
	c, done, err := s.dial(ctx)
	if err != nil {
		return false, err
	}
	defer done()
	_, err = c.Stat(path.Join(s.Dir, batch))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (s *SFTP) put(ctx context.Context, batch string, files map[string][]byte) error {
	c, done, err := s.dial(ctx)
	if err != nil {
		return err
	}
	defer done()
	tmp := path.Join(s.Dir, partial(batch))
	if _, err := c.Stat(tmp); err == nil {
		if err := c.RemoveAll(tmp); err != nil {
			return err
		}
	}
	if err := c.MkdirAll(tmp); err != nil {
		return err
	}
	for n, b := range files {
		f, err := c.Create(path.Join(tmp, n))
		if err != nil {
			return fmt.Errorf("writing %s: %w", n, err)
		}
		_, err = f.ReadFrom(bytes.NewReader(b))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", n, err)
		}
	}
	// SFTP's rename refuses to replace, so a batch is never overwritten.
	return c.Rename(tmp, path.Join(s.Dir, batch))
}

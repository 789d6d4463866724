package printdrop

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Settings are the DBTP_POST_PRINT_* variables (docs/operations.md).
type Settings struct {
	Options
	Every time.Duration // how often Run flushes
}

// FromEnv reads the print drop's settings; ok is false when neither
// DBTP_POST_PRINT_DIR nor DBTP_POST_PRINT_SFTP is set (no print provider).
// dataDir holds the default spool.
//
//	DBTP_POST_PRINT_DIR             folder batches are written to
//	DBTP_POST_PRINT_SFTP            sftp://user@host:port/folder
//	DBTP_POST_PRINT_SFTP_PASSWORD   its password, or
//	DBTP_POST_PRINT_SFTP_KEY_FILE   a private key file (PEM)
//	DBTP_POST_PRINT_SFTP_HOST_KEY   the server's public key ("ssh-ed25519 AAAA...")
//	DBTP_POST_PRINT_SPOOL           the local spool (default <data>/post-print-spool)
//	DBTP_POST_PRINT_BATCH           letters a batch holds at most (default 500)
//	DBTP_POST_PRINT_EVERY           how often waiting letters go (default 15m)
func FromEnv(getenv func(string) string, dataDir string) (s Settings, ok bool, err error) {
	s.Spool = getenv("DBTP_POST_PRINT_SPOOL")
	if s.Spool == "" {
		s.Spool = filepath.Join(dataDir, "post-print-spool")
	}
	s.Dir = getenv("DBTP_POST_PRINT_DIR")
	if v := getenv("DBTP_POST_PRINT_BATCH"); v != "" {
		if s.BatchSize, err = strconv.Atoi(v); err != nil || s.BatchSize < 1 {
			return s, false, fmt.Errorf("DBTP_POST_PRINT_BATCH: want a number of letters, got %q", v)
		}
	}
	s.Every = 15 * time.Minute
	if v := getenv("DBTP_POST_PRINT_EVERY"); v != "" {
		if s.Every, err = time.ParseDuration(v); err != nil || s.Every < time.Second {
			return s, false, fmt.Errorf("DBTP_POST_PRINT_EVERY: want a duration such as 15m, got %q", v)
		}
	}
	if v := getenv("DBTP_POST_PRINT_SFTP"); v != "" {
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "sftp" || u.Host == "" || u.User == nil {
			return s, false, fmt.Errorf("DBTP_POST_PRINT_SFTP: want sftp://user@host:port/folder, got %q", v)
		}
		host := u.Host
		if _, _, err := net.SplitHostPort(host); err != nil {
			host = net.JoinHostPort(host, "22")
		}
		c := &SFTP{Addr: host, User: u.User.Username(), Dir: u.Path, Password: getenv("DBTP_POST_PRINT_SFTP_PASSWORD"),
			HostKey: getenv("DBTP_POST_PRINT_SFTP_HOST_KEY")}
		if c.Dir == "" {
			c.Dir = "."
		}
		if f := getenv("DBTP_POST_PRINT_SFTP_KEY_FILE"); f != "" {
			if c.PrivateKey, err = os.ReadFile(f); err != nil {
				return s, false, fmt.Errorf("DBTP_POST_PRINT_SFTP_KEY_FILE: %w", err)
			}
		}
		if c.HostKey == "" {
			return s, false, fmt.Errorf("DBTP_POST_PRINT_SFTP_HOST_KEY: the SFTP server's public key is needed")
		}
		if c.Password == "" && len(c.PrivateKey) == 0 {
			return s, false, fmt.Errorf("DBTP_POST_PRINT_SFTP: set DBTP_POST_PRINT_SFTP_PASSWORD or DBTP_POST_PRINT_SFTP_KEY_FILE")
		}
		s.SFTP = c
	}
	return s, s.Dir != "" || s.SFTP != nil, nil
}

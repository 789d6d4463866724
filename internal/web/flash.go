package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// A flash message is one line of confirmation ("User created") carried in a
// short-lived cookie across the redirect that follows a successful form
// post, and shown once as a success banner. It is MACed so nobody can make
// the site display text of their choosing.

const flashCookie = "dbtp_flash"

const maxFlashLen = 300

// SetFlash queues msg for the next page this browser renders, as a
// success ("Your message has been sent").
func SetFlash(w http.ResponseWriter, r *http.Request, msg string) { setFlash(w, r, msg, flashSuccess) }

// SetNotice queues msg as something to know rather than a success ("Enter
// your reference number to see your request"): an "Important" banner.
func SetNotice(w http.ResponseWriter, r *http.Request, msg string) { setFlash(w, r, msg, flashNotice) }

// The kind is the first character of the MACed text, so it cannot be
// changed without the key either.
const (
	flashSuccess = "s"
	flashNotice  = "n"
)

func setFlash(w http.ResponseWriter, r *http.Request, msg, kind string) {
	st := stateOf(r)
	if st == nil || st.srv == nil || msg == "" || !validText(msg) {
		return
	}
	if len(msg) > maxFlashLen {
		// Cut on a rune boundary so the message stays valid UTF-8.
		msg = strings.ToValidUTF8(msg[:maxFlashLen], "")
	}
	raw := base64.RawURLEncoding.EncodeToString([]byte(kind + msg))
	val := raw + "." + base64.RawURLEncoding.EncodeToString(flashMAC(st.srv.cfg.SecretKey, raw))
	http.SetCookie(w, st.srv.cookie(flashCookie, val, 5*time.Minute))
}

func flashMAC(key []byte, raw string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("dbtp flash v1\x00"))
	m.Write([]byte(raw))
	return m.Sum(nil)
}

// takeFlash reads and clears the flash message, if any, and whether it is a
// notice rather than a success.
func takeFlash(w http.ResponseWriter, r *http.Request) (string, bool) {
	m := takeFlashText(w, r)
	if m == "" {
		return "", false
	}
	return m[1:], m[:1] == flashNotice
}

func takeFlashText(w http.ResponseWriter, r *http.Request) string {
	st := stateOf(r)
	if st == nil || st.srv == nil {
		return ""
	}
	c, err := r.Cookie(st.srv.cookieName(flashCookie))
	if err != nil {
		return ""
	}
	http.SetCookie(w, st.srv.cookie(flashCookie, "", -1))
	raw, sig, ok := strings.Cut(c.Value, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(mac, flashMAC(st.srv.cfg.SecretKey, raw)) {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || !validText(string(msg)) {
		return ""
	}
	return string(msg)
}

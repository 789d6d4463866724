package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"time"
)

// Pool sends through a Sender's relay over conversations kept open
// between messages: digital post sends hundreds of messages a second at
// busy times, where a fresh conversation per message (greeting, EHLO,
// STARTTLS, AUTH) costs the relay more than the message does. Up to size
// conversations are kept; one idle longer than the idle limit, or one the
// relay has dropped, is replaced by a fresh one. It is safe for
// concurrent use.
type Pool struct {
	s    *Sender
	idle chan *pooled
}

type pooled struct {
	c    *smtp.Client
	conn net.Conn
	used time.Time
}

// idleLimit is how long a kept conversation may sit unused: relays drop
// idle clients after a minute or more (RFC 5321 asks for five).
const idleLimit = 30 * time.Second

// NewPool returns a pool over s's relay keeping up to size conversations.
func NewPool(s *Sender, size int) *Pool {
	return &Pool{s: s, idle: make(chan *pooled, max(size, 1))}
}

// String describes the pool for logs; it never includes the password.
func (p *Pool) String() string { return p.s.String() + ", conversations kept open" }

// Send delivers m. It returns once the relay has accepted the message.
func (p *Pool) Send(ctx context.Context, m Message) error {
	to, err := checkHeaders(m)
	if err != nil {
		return err
	}
	body, err := p.s.compose(to, m)
	if err != nil {
		return err
	}
	// A kept conversation the relay has closed fails at once; the message
	// is then tried on a fresh one, so only the relay's answer on a fresh
	// conversation is reported.
	for {
		pc, reused, err := p.get(ctx)
		if err != nil {
			return fmt.Errorf("mail: %s: %w", p.s.cfg.Addr, err)
		}
		err = p.transact(ctx, pc, to, body)
		if err == nil {
			p.put(pc)
			return nil
		}
		var reply *textproto.Error
		if errors.As(err, &reply) {
			// The relay's own answer (550 no such mailbox, 451 busy): the
			// conversation goes on for the next message.
			if pc.c.Reset() == nil {
				p.put(pc)
			} else {
				pc.conn.Close()
			}
			return fmt.Errorf("mail: %s: %w", p.s.cfg.Addr, err)
		}
		pc.conn.Close()
		if reused && ctx.Err() == nil {
			continue
		}
		return fmt.Errorf("mail: %s: %w", p.s.cfg.Addr, err)
	}
}

// get returns a kept conversation, or opens one.
func (p *Pool) get(ctx context.Context) (*pooled, bool, error) {
	for {
		select {
		case pc := <-p.idle:
			if time.Since(pc.used) < idleLimit {
				return pc, true, nil
			}
			pc.c.Quit()
			pc.conn.Close()
			continue
		default:
		}
		pc, err := p.open(ctx)
		return pc, false, err
	}
}

// put keeps pc for the next message, or ends it when enough are kept.
func (p *Pool) put(pc *pooled) {
	pc.used = time.Now()
	pc.conn.SetDeadline(time.Time{})
	select {
	case p.idle <- pc:
	default:
		pc.c.Quit()
		pc.conn.Close()
	}
}

// Close ends every kept conversation.
func (p *Pool) Close() {
	for {
		select {
		case pc := <-p.idle:
			pc.c.Quit()
			pc.conn.Close()
		default:
			return
		}
	}
}

// open starts a conversation: greeting, EHLO, STARTTLS and AUTH as the
// Sender's configuration asks.
func (p *Pool) open(ctx context.Context) (*pooled, error) {
	s := p.s
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("connecting: %w", err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := p.hello(c); err != nil {
		conn.Close()
		return nil, err
	}
	return &pooled{c: c, conn: conn, used: time.Now()}, nil
}

func (p *Pool) hello(c *smtp.Client) error { return p.s.greet(c) }

// transact sends one message over pc: MAIL, RCPT, DATA.
func (p *Pool) transact(ctx context.Context, pc *pooled, to *mail.Address, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, p.s.cfg.Timeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	pc.conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { pc.conn.Close() })
	defer stop()
	if err := pc.c.Mail(p.s.from.Address); err != nil {
		return err
	}
	if err := pc.c.Rcpt(to.Address); err != nil {
		return err
	}
	w, err := pc.c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	return w.Close()
}

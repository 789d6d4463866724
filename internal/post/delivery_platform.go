package post

import (
	"context"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// PlatformText is a text message another module of the platform sends in
// its own words, such as a signer's one-time code from electronic
// signatures. It goes through a sending service of the organisation named
// for that module ("Electronic signatures"), made with a pass-through
// template the first time, so it has Notify's statuses, the service's
// rate limit and the SMS provider's delivery like any other message.
type PlatformText struct {
	MessageID string // unique to this message: sending it twice makes one notification
	OrgID     string
	Service   string // the sending service's name, made if missing
	To        string // a UK mobile number
	Body      string
	Reference string // kept as the notification's reference
}

// platformService is the id of orgID's sending service named name, and
// platformTextTemplate that of its one text message template.
func platformService(orgID, name string) string {
	return nameUUID("platform:" + orgID + ":" + strings.ToLower(name))
}

func platformTextTemplate(orgID, name string) string {
	return nameUUID("platform-sms:" + orgID + ":" + strings.ToLower(name))
}

// SendPlatformText queues m for delivery by the SMS provider through the
// send path every notification takes (the number checked as a UK mobile,
// the template rendered, the delivery job queued in the same write). It
// is idempotent on m.MessageID and returns the notification's id.
func (s *Store) SendPlatformText(ctx context.Context, m PlatformText) (string, error) {
	m.Service = strings.TrimSpace(m.Service)
	if m.OrgID == "" || m.Service == "" || m.MessageID == "" {
		return "", platform.Invalid("A platform text message needs an organisation, a service name and a message id")
	}
	sv, err := s.ServiceByID(ctx, platformService(m.OrgID, m.Service))
	if platform.CodeOf(err) == platform.CodeNotFound {
		err = s.db.Write(ctx, func(tx *store.Tx) error { return s.ensurePlatformService(ctx, tx, m.OrgID, m.Service) })
		if err == nil {
			sv, err = s.ServiceByID(ctx, platformService(m.OrgID, m.Service))
		}
	}
	if err != nil {
		return "", err
	}
	n, err := s.send(ctx, sv, platform.System(m.OrgID), nil, SendInput{Kind: KindSMS, TemplateID: platformTextTemplate(m.OrgID, m.Service), To: m.To,
		Personalisation: map[string]any{"body": m.Body}, Reference: m.Reference, ClientKey: m.MessageID})
	return n.ID, err
}

// ensurePlatformService makes orgID's service named name and its text
// message template (statutory: a one-time code is not marketing), once.
func (s *Store) ensurePlatformService(ctx context.Context, tx *store.Tx, orgID, name string) error {
	serviceID, templateID := platformService(orgID, name), platformTextTemplate(orgID, name)
	now := store.Millis(s.now())
	if _, err := tx.Exec(ctx, `INSERT INTO post_services (id, org_id, unit_id, name, created_at, updated_at) VALUES (?, ?, '', ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`, serviceID, orgID, name, now, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO post_templates (id, org_id, service_id, unit_id, kind, name, subject, body, version, statutory, created_at, updated_at, updated_by)
		VALUES (?, ?, ?, '', ?, ?, '', '((body))', 1, 1, ?, ?, 'system') ON CONFLICT (id) DO NOTHING`,
		templateID, orgID, serviceID, KindSMS, name+" (the platform writes it)", now, now); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO post_template_versions (template_id, version, subject, body, created_at, created_by) VALUES (?, 1, '', '((body))', ?, 'system')
		ON CONFLICT (template_id, version) DO NOTHING`, templateID, now)
	return err
}

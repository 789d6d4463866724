package provider

import "context"

// Checker is a provider that can be asked how a message it took is doing:
// the delivery part polls it for the receipts of messages left "sending".
// Check returns the notification's status as Notify names it ("sending"
// while the provider does not know yet, "delivered", "permanent-failure",
// "temporary-failure", "technical-failure"; letters "received").
type Checker interface {
	Check(ctx context.Context, ref string) (status string, err error)
}

// Idempotent is a provider that treats a second Send of the same
// Message.ID as the same message (it keeps the first and sends nothing
// more). Only to such a provider is a message handed again after a
// delivery that stopped half-way (a node killed mid-send): with any other,
// the message fails as a technical failure rather than risk reaching its
// recipient twice.
type Idempotent interface {
	Idempotent() bool
}

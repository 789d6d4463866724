package blob

import "context"

// BodyName tells tests which stored body belongs to id, so they can damage it.
func BodyName(ctx context.Context, s *Store, id string) (string, error) {
	h, err := s.readHeader(ctx, id)
	if err != nil {
		return "", err
	}
	return h.body, nil
}

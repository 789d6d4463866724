package web

// Validate reports the first problem with c, as NewServer would, so the
// command line can refuse a bad value before it opens anything.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

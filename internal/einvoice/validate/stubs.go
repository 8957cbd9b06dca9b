package validate

func (c *checker) ublCodes()       {}
func (c *checker) ciiCodes()       {}
func (c *checker) leitwegWarning() {}

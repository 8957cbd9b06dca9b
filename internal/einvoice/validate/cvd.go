package validate

func (c *checker) ublCVD() {}
func (c *checker) ciiCVD() {}

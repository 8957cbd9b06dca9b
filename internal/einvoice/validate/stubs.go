package validate

func (c *checker) ublCodes()       {}
func (c *checker) ublXRechnung()   {}
func (c *checker) ublPeppol()      {}
func (c *checker) ciiCore()        {}
func (c *checker) ciiCodes()       {}
func (c *checker) ciiXRechnung()   {}
func (c *checker) ciiPeppol()      {}
func (c *checker) leitwegWarning() {}

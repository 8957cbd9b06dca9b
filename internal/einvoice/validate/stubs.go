package validate

func (c *checker) leitwegWarning() {}

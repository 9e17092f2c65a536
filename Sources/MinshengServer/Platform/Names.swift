import MinshengDomain

/// Foundation also exports a `Unit` (measurement units); in this module the word means a government unit.
public typealias Unit = MinshengDomain.Unit

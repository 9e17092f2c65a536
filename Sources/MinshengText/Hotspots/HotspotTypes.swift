import Foundation

/// One message (a case, or a board message) for hotspot analysis. Everything but the text is optional: what the
/// platform knows about the case (its district, handling unit, category, place) is used first, and the district
/// and the place are read from the text when missing.
public struct HotspotMessage: Sendable, Equatable {
    public var id: Int64
    public var title: String
    public var text: String
    /// Seconds since 1970 (registration or posting time).
    public var time: Int64
    /// The district (区/县) the matter lies in; nil: read from the text (`A3区`, `渝中区`…).
    public var district: String?
    /// The unit that handles (or handled) the case, for "units covered".
    public var unit: String?
    /// The category (set, else suggested); nil when unknown.
    public var category: String?
    /// A known place (the case's town/street or village/community); nil: read from the text.
    public var place: String?
    /// Support shown by the public (likes on a message board); only summed, never used to cluster.
    public var weight: Int
    /// Who wrote it (a user id, a keyed hash of the citizen's phone); nil: unknown, each message counts as one person.
    public var author: String?

    public init(id: Int64, title: String, text: String, time: Int64, district: String? = nil, unit: String? = nil,
                category: String? = nil, place: String? = nil, weight: Int = 0, author: String? = nil) {
        self.id = id; self.title = title; self.text = text; self.time = time; self.district = district
        self.unit = unit; self.category = category; self.place = place; self.weight = weight; self.author = author
    }
}

/// Settings of `Hotspots.analyze`. The defaults were chosen on the Teddy Cup hotspot messages (docs/hotspots.md).
public struct HotspotOptions: Sendable, Equatable {
    /// Two messages are linked when the cosine of their TF-IDF bigram vectors is at least this.
    public var linkSimilarity: Float = 0.22
    /// Two groups merge along a link only when their centroids are at least this similar (stops chaining).
    public var centroidSimilarity: Float = 0.20
    /// A topic cluster is reported with at least this many messages in the current window.
    public var minClusterSize = 3
    /// A topic cluster spanning at least this many districts is systemic.
    public var systemicDistricts = 3
    /// A place is reported with at least this many messages in the current window…
    public var minPlaceCases = 3
    /// …across at least this many categories.
    public var minPlaceCategories = 2
    /// Readable terms per cluster.
    public var termsPerCluster = 6
    /// Bigrams kept per message (highest TF-IDF), before the vector is normalised.
    public var termsPerMessage = 48
    /// Bigrams per message used to find candidate pairs.
    public var candidateTerms = 8
    /// Candidates need at least this many of those bigrams in common.
    public var minSharedCandidateTerms = 2
    /// Per candidate bigram, at most this many messages on each side (in time order) are compared.
    public var postingWindow = 60
    /// Title bigrams count this many times (a title is the message's own summary).
    public var titleWeight: Float = 2
    /// Bigrams of the message's place and district names weigh this much (a topic is what, not where: four
    /// problems of one estate are a place hotspot, not a topic).
    public var placeWeight: Float = 0.3
    /// IDF is ln((N + this) / df): a small window is taken as part of a larger stream, so that a matter written by
    /// half of twenty messages still weighs more than everyday words.
    public var backgroundMessages: Float = 1_000
    /// Bigrams no other message has are not stored, but count in the norm with this factor (0: ignored; 1: the
    /// exact cosine). Without them, two messages that share only a place name would look alike.
    public var singletonNormWeight: Float = 1
    /// Bigrams in more than this share of the messages are not features ("问题", "希望" are everywhere).
    public var maxDocumentFrequency: Double = 0.2
    /// Only the first this many UTF-8 bytes of a text are read.
    public var maxTextBytes = 3_000
    /// Worker threads (1: no concurrency).
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// At most this many clusters of each axis are described (largest first).
    public var maxClusters = 50

    public init() {}
}

public enum HotspotAxis: String, Sendable, CaseIterable {
    case topic, place
}

/// A name with how many of the cluster's messages carry it.
public struct HotspotCount: Sendable, Equatable {
    public var name: String
    public var count: Int
    public init(_ name: String, _ count: Int) { self.name = name; self.count = count }
}

public enum HotspotTrend: String, Sendable {
    /// Nothing like it in the previous window.
    case new
    case up, flat, down
}

/// One hotspot: a topic (similar messages) or a place (many messages about one estate, road, village…).
public struct HotspotCluster: Sendable, Equatable {
    public var axis: HotspotAxis
    /// Messages in the current window.
    public var size: Int
    /// Distinct authors among them (clusters are ranked by this, then by size: one person reposting is not a hotspot).
    public var people: Int
    /// Their ids, oldest first.
    public var members: [Int64]
    /// Similar messages in the previous window of the same length (the same place, for a place cluster).
    public var previousSize: Int
    /// (size − previous) / previous; nil when the previous window had none.
    public var growth: Double?
    public var trend: HotspotTrend
    /// Districts covered, most messages first (messages without a known district are not counted).
    public var districts: [HotspotCount]
    public var units: [HotspotCount]
    public var categories: [HotspotCount]
    /// The majority category (nil when no message has one).
    public var category: String?
    /// Distinctive terms (merged bigrams, readable Chinese), most weighty first.
    public var terms: [String]
    /// The place: the place cluster's own, or the place most of a topic cluster's messages name (≥ half).
    public var place: String?
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// The medoid: the message most similar to the cluster's centroid.
    public var representative: Int64
    public var representativeTitle: String
    /// A topic spanning `systemicDistricts` districts or more.
    public var systemic: Bool
    /// Sum of the members' `weight` (likes).
    public var weight: Int
}

public struct HotspotReport: Sendable {
    public var topics: [HotspotCluster]
    public var places: [HotspotCluster]
    /// Messages in the current and the previous window.
    public var messages: Int
    public var previousMessages: Int
    /// Topic clusters of size ≥ 2 before the size cut, and linked pairs found.
    public var groups: Int
    public var links: Int
    /// Seconds spent in each phase (vectors, links, clustering, description).
    public var timings: [(phase: String, seconds: Double)]
}

import Foundation

/// The words of every notification, per locale. English is the fallback for any other locale and
/// any missing template; `{name}` placeholders are filled from the draft's values.
public enum Templates {
    public typealias Text = (title: String, body: String)

    static let english: [String: Text] = [
        "offer.created": ("New ride request", "Pickup in about {eta} min. Accept before it expires."),
        "offer.closed": ("Ride request closed", "The ride request is no longer available."),
        "trip.driverPosition": ("", ""),
        "trip.driverAssigned": ("Your driver is on the way", "{vehicle} is coming to pick you up."),
        "trip.driverAssigned.noVehicle": ("Your driver is on the way", "Your driver is coming to pick you up."),
        "trip.driverArrived": ("Your driver has arrived", "Your driver is waiting at the pickup point."),
        "trip.started": ("Your trip has started", "Enjoy the ride."),
        "trip.completed.passenger": ("Thanks for riding", "You have arrived. Fare: {fare}."),
        "trip.completed.driver": ("Trip completed", "Fare: {fare}."),
        "trip.cancelled": ("Trip cancelled", "Your trip was cancelled."),
        "trip.noDriverFound": ("No driver available", "We could not find a driver for you. Please try again."),
        "payment.settled": ("Receipt", "You paid {amount} for your trip."),
        "payment.unpaid": ("Payment failed", "We could not collect {amount}. Please update your payment method."),
        "payment.declined": ("Card declined", "Your card was declined, so the trip was not requested."),
        "payment.tip": ("You received a tip", "A passenger tipped you {amount}."),
        "payment.refunded": ("Refund issued", "{amount} is on its way back to your card."),
    ]

    static let german: [String: Text] = [
        "offer.created": ("Neue Fahrtanfrage", "Abholung in etwa {eta} Min. Nimm sie an, bevor sie abläuft."),
        "offer.closed": ("Fahrtanfrage geschlossen", "Die Fahrtanfrage ist nicht mehr verfügbar."),
        "trip.driverPosition": ("", ""),
        "trip.driverAssigned": ("Dein Fahrer ist unterwegs", "{vehicle} holt dich ab."),
        "trip.driverAssigned.noVehicle": ("Dein Fahrer ist unterwegs", "Dein Fahrer holt dich ab."),
        "trip.driverArrived": ("Dein Fahrer ist da", "Dein Fahrer wartet am Abholort."),
        "trip.started": ("Deine Fahrt hat begonnen", "Gute Fahrt."),
        "trip.completed.passenger": ("Danke für deine Fahrt", "Du bist angekommen. Fahrpreis: {fare}."),
        "trip.completed.driver": ("Fahrt abgeschlossen", "Fahrpreis: {fare}."),
        "trip.cancelled": ("Fahrt storniert", "Deine Fahrt wurde storniert."),
        "trip.noDriverFound": ("Kein Fahrer verfügbar", "Wir haben keinen Fahrer gefunden. Bitte versuche es erneut."),
        "payment.settled": ("Beleg", "Du hast {amount} für deine Fahrt bezahlt."),
        "payment.unpaid": ("Zahlung fehlgeschlagen", "Wir konnten {amount} nicht einziehen. Bitte aktualisiere deine Zahlungsart."),
        "payment.declined": ("Karte abgelehnt", "Deine Karte wurde abgelehnt, daher wurde die Fahrt nicht angefragt."),
        "payment.tip": ("Du hast Trinkgeld erhalten", "Ein Fahrgast hat dir {amount} Trinkgeld gegeben."),
        "payment.refunded": ("Erstattung veranlasst", "{amount} wird deiner Karte gutgeschrieben."),
    ]

    /// The locales with their own words.
    public static let locales: [String: [String: Text]] = ["en": english, "de": german]

    /// The rendered title and body for `kind` in `locale` (`de-AT` uses `de`; unknown uses English).
    public static func render(_ kind: String, locale: String, values: [String: String]) -> Text {
        let language = String(locale.lowercased().prefix { $0 != "-" && $0 != "_" })
        let text = locales[language]?[kind] ?? english[kind] ?? (kind, "")
        return (fill(text.title, values), fill(text.body, values))
    }

    /// Of words given per language, those for `locale`: its language, else English, else the first.
    public static func choose(from texts: [LocalizedText], locale: String) -> Text {
        func language(_ code: String) -> String { String(code.lowercased().prefix { $0 != "-" && $0 != "_" }) }
        let wanted = language(locale)
        let chosen =
            texts.first { language($0.languageCode) == wanted } ?? texts.first { language($0.languageCode) == "en" } ?? texts.first
        return (chosen?.title ?? "", chosen?.body ?? "")
    }

    static func fill(_ template: String, _ values: [String: String]) -> String {
        values.reduce(template) { text, pair in text.replacingOccurrences(of: "{\(pair.key)}", with: pair.value) }
    }
}

package validate

import (
	"strings"
	"sync"
)

type meta struct {
	sev    Severity
	en, de string
}

// ruleTable lists every rule with its Schematron flag and short messages.
// Format per line: id|flag|English|German. Flags: fatal, error, warning,
// information.
const ruleTable = `
BR-01|fatal|An Invoice shall have a Specification identifier (BT-24).|Die Rechnung muss eine Spezifikationskennung (BT-24) enthalten.
BR-02|fatal|An Invoice shall have an Invoice number (BT-1).|Die Rechnung muss eine Rechnungsnummer (BT-1) enthalten.
BR-03|fatal|An Invoice shall have an Invoice issue date (BT-2).|Die Rechnung muss ein Rechnungsdatum (BT-2) enthalten.
BR-04|fatal|An Invoice shall have an Invoice type code (BT-3).|Die Rechnung muss einen Rechnungstyp-Code (BT-3) enthalten.
BR-05|fatal|An Invoice shall have an Invoice currency code (BT-5).|Die Rechnung muss einen Währungscode (BT-5) enthalten.
BR-06|fatal|An Invoice shall contain the Seller name (BT-27).|Die Rechnung muss den Namen des Verkäufers (BT-27) enthalten.
BR-07|fatal|An Invoice shall contain the Buyer name (BT-44).|Die Rechnung muss den Namen des Erwerbers (BT-44) enthalten.
BR-08|fatal|An Invoice shall contain the Seller postal address (BG-5).|Die Rechnung muss die Postanschrift des Verkäufers (BG-5) enthalten.
BR-09|fatal|The Seller postal address (BG-5) shall contain a Seller country code (BT-40).|Die Postanschrift des Verkäufers muss einen Ländercode (BT-40) enthalten.
BR-10|fatal|An Invoice shall contain the Buyer postal address (BG-8).|Die Rechnung muss die Postanschrift des Erwerbers (BG-8) enthalten.
BR-11|fatal|The Buyer postal address shall contain a Buyer country code (BT-55).|Die Postanschrift des Erwerbers muss einen Ländercode (BT-55) enthalten.
BR-12|fatal|An Invoice shall have the Sum of Invoice line net amount (BT-106).|Die Rechnung muss die Summe der Nettobeträge der Positionen (BT-106) enthalten.
BR-13|fatal|An Invoice shall have the Invoice total amount without VAT (BT-109).|Die Rechnung muss den Gesamtbetrag ohne Umsatzsteuer (BT-109) enthalten.
BR-14|fatal|An Invoice shall have the Invoice total amount with VAT (BT-112).|Die Rechnung muss den Gesamtbetrag einschließlich Umsatzsteuer (BT-112) enthalten.
BR-15|fatal|An Invoice shall have the Amount due for payment (BT-115).|Die Rechnung muss den fälligen Zahlungsbetrag (BT-115) enthalten.
BR-16|fatal|An Invoice shall have at least one Invoice line (BG-25).|Die Rechnung muss mindestens eine Rechnungsposition (BG-25) enthalten.
BR-17|fatal|The Payee name (BT-59) shall be provided if the Payee (BG-10) is different from the Seller (BG-4).|Der Name des Zahlungsempfängers (BT-59) muss angegeben sein, wenn er vom Verkäufer abweicht.
BR-18|fatal|The Seller tax representative name (BT-62) shall be provided if the Seller has a tax representative (BG-11).|Der Name des Steuervertreters (BT-62) muss angegeben sein.
BR-19|fatal|The Seller tax representative postal address (BG-12) shall be provided.|Die Postanschrift des Steuervertreters (BG-12) muss angegeben sein.
BR-20|fatal|The Seller tax representative postal address (BG-12) shall contain a country code (BT-69).|Die Postanschrift des Steuervertreters muss einen Ländercode (BT-69) enthalten.
BR-21|fatal|Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126).|Jede Rechnungsposition muss eine Positionsnummer (BT-126) haben.
BR-22|fatal|Each Invoice line (BG-25) shall have an Invoiced quantity (BT-129).|Jede Rechnungsposition muss eine Menge (BT-129) haben.
BR-23|fatal|An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code (BT-130).|Jede Rechnungsposition muss eine Mengeneinheit (BT-130) haben.
BR-24|fatal|Each Invoice line (BG-25) shall have an Invoice line net amount (BT-131).|Jede Rechnungsposition muss einen Nettobetrag (BT-131) haben.
BR-25|fatal|Each Invoice line (BG-25) shall contain the Item name (BT-153).|Jede Rechnungsposition muss eine Artikelbezeichnung (BT-153) haben.
BR-26|fatal|Each Invoice line (BG-25) shall contain the Item net price (BT-146).|Jede Rechnungsposition muss einen Nettopreis (BT-146) haben.
BR-27|fatal|The Item net price (BT-146) shall NOT be negative.|Der Nettopreis (BT-146) darf nicht negativ sein.
BR-28|fatal|The Item gross price (BT-148) shall NOT be negative.|Der Bruttopreis (BT-148) darf nicht negativ sein.
BR-29|fatal|If both Invoicing period start date (BT-73) and end date (BT-74) are given then the end date shall be later or equal to the start date.|Das Ende des Abrechnungszeitraums (BT-74) darf nicht vor dessen Beginn (BT-73) liegen.
BR-30|fatal|If both Invoice line period start date (BT-134) and end date (BT-135) are given then the end date shall be later or equal to the start date.|Das Ende des Positionszeitraums (BT-135) darf nicht vor dessen Beginn (BT-134) liegen.
BR-31|fatal|Each Document level allowance (BG-20) shall have a Document level allowance amount (BT-92).|Jeder Nachlass auf Dokumentebene muss einen Betrag (BT-92) haben.
BR-32|fatal|Each Document level allowance (BG-20) shall have a Document level allowance VAT category code (BT-95).|Jeder Nachlass auf Dokumentebene muss einen Umsatzsteuerkategorie-Code (BT-95) haben.
BR-33|fatal|Each Document level allowance (BG-20) shall have a reason (BT-97) or a reason code (BT-98).|Jeder Nachlass auf Dokumentebene muss einen Grund (BT-97) oder Grundcode (BT-98) haben.
BR-36|fatal|Each Document level charge (BG-21) shall have a Document level charge amount (BT-99).|Jeder Zuschlag auf Dokumentebene muss einen Betrag (BT-99) haben.
BR-37|fatal|Each Document level charge (BG-21) shall have a Document level charge VAT category code (BT-102).|Jeder Zuschlag auf Dokumentebene muss einen Umsatzsteuerkategorie-Code (BT-102) haben.
BR-38|fatal|Each Document level charge (BG-21) shall have a reason (BT-104) or a reason code (BT-105).|Jeder Zuschlag auf Dokumentebene muss einen Grund (BT-104) oder Grundcode (BT-105) haben.
BR-41|fatal|Each Invoice line allowance (BG-27) shall have an Invoice line allowance amount (BT-136).|Jeder Nachlass auf Positionsebene muss einen Betrag (BT-136) haben.
BR-42|fatal|Each Invoice line allowance (BG-27) shall have a reason (BT-139) or a reason code (BT-140).|Jeder Nachlass auf Positionsebene muss einen Grund (BT-139) oder Grundcode (BT-140) haben.
BR-43|fatal|Each Invoice line charge (BG-28) shall have an Invoice line charge amount (BT-141).|Jeder Zuschlag auf Positionsebene muss einen Betrag (BT-141) haben.
BR-44|fatal|Each Invoice line charge shall have a reason (BT-144) or a reason code (BT-145).|Jeder Zuschlag auf Positionsebene muss einen Grund (BT-144) oder Grundcode (BT-145) haben.
BR-45|fatal|Each VAT breakdown (BG-23) shall have a VAT category taxable amount (BT-116).|Jede Umsatzsteueraufschlüsselung muss einen Steuerbemessungsbetrag (BT-116) haben.
BR-46|fatal|Each VAT breakdown (BG-23) shall have a VAT category tax amount (BT-117).|Jede Umsatzsteueraufschlüsselung muss einen Steuerbetrag (BT-117) haben.
BR-47|fatal|Each VAT breakdown (BG-23) shall be defined through a VAT category code (BT-118).|Jede Umsatzsteueraufschlüsselung muss einen Umsatzsteuerkategorie-Code (BT-118) haben.
BR-48|fatal|Each VAT breakdown (BG-23) shall have a VAT category rate (BT-119), except if the Invoice is not subject to VAT.|Jede Umsatzsteueraufschlüsselung muss einen Steuersatz (BT-119) haben, außer bei nicht steuerbaren Umsätzen.
BR-49|fatal|A Payment instruction (BG-16) shall specify the Payment means type code (BT-81).|Die Zahlungsanweisung muss einen Code für die Zahlungsart (BT-81) enthalten.
BR-50|fatal|A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17) information is provided.|Bei Überweisung muss die Kontokennung (BT-84, IBAN) angegeben sein.
BR-51|warning|An invoice should never include a full card primary account number (BT-87).|Die Rechnung sollte keine vollständige Kartennummer (BT-87) enthalten.
BR-52|fatal|Each Additional supporting document (BG-24) shall contain a Supporting document reference (BT-122).|Jedes rechnungsbegründende Dokument muss eine Kennung (BT-122) haben.
BR-53|fatal|If the VAT accounting currency code (BT-6) is present, the Invoice total VAT amount in accounting currency (BT-111) shall be provided.|Ist eine Steuerwährung (BT-6) angegeben, muss der Umsatzsteuergesamtbetrag in dieser Währung (BT-111) angegeben sein.
BR-54|fatal|Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) and value (BT-161).|Jede Artikeleigenschaft muss Name (BT-160) und Wert (BT-161) enthalten.
BR-55|fatal|Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference (BT-25).|Jeder Verweis auf eine vorausgegangene Rechnung muss deren Nummer (BT-25) enthalten.
BR-56|fatal|Each Seller tax representative party (BG-11) shall have a Seller tax representative VAT identifier (BT-63).|Der Steuervertreter muss eine Umsatzsteuer-Identifikationsnummer (BT-63) haben.
BR-57|fatal|Each Deliver to address (BG-15) shall contain a Deliver to country code (BT-80).|Jede Lieferanschrift muss einen Ländercode (BT-80) enthalten.
BR-61|fatal|If the Payment means type code (BT-81) means SEPA credit transfer, Local credit transfer or Non-SEPA international credit transfer, the Payment account identifier (BT-84) shall be present.|Bei Überweisung (Code 30 oder 58) muss die Kontokennung (BT-84, IBAN) angegeben sein.
BR-62|fatal|The Seller electronic address (BT-34) shall have a Scheme identifier.|Die elektronische Adresse des Verkäufers (BT-34) muss eine Schema-Kennung haben.
BR-63|fatal|The Buyer electronic address (BT-49) shall have a Scheme identifier.|Die elektronische Adresse des Erwerbers (BT-49) muss eine Schema-Kennung haben.
BR-64|fatal|The Item standard identifier (BT-157) shall have a Scheme identifier.|Die Artikelkennung nach Schema (BT-157) muss eine Schema-Kennung haben.
BR-65|fatal|The Item classification identifier (BT-158) shall have a Scheme identifier.|Die Artikelklassifizierung (BT-158) muss eine Schema-Kennung haben.
BR-66|fatal|An Invoice shall contain maximum one Payment Card account (BG-18).|Die Rechnung darf höchstens eine Zahlungskarte (BG-18) enthalten.
BR-67|fatal|An Invoice shall contain maximum one Payment Mandate (BG-19).|Die Rechnung darf höchstens ein Lastschriftmandat (BG-19) enthalten.
BR-CO-03|fatal|Value added tax point date (BT-7) and Value added tax point date code (BT-8) are mutually exclusive.|Steuerfälligkeitsdatum (BT-7) und Steuerfälligkeitscode (BT-8) schließen einander aus.
BR-CO-04|fatal|Each Invoice line (BG-25) shall be categorized with an Invoiced item VAT category code (BT-151).|Jede Rechnungsposition muss einen Umsatzsteuerkategorie-Code (BT-151) haben.
BR-CO-09|fatal|The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) and the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO 3166-1 alpha-2.|Umsatzsteuer-Identifikationsnummern (BT-31, BT-48, BT-63) müssen mit einem ISO-3166-Ländercode beginnen.
BR-CO-10|fatal|Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131).|Die Summe der Nettobeträge (BT-106) muss der Summe der Positionsnettobeträge (BT-131) entsprechen.
BR-CO-11|fatal|Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92).|Die Summe der Nachlässe (BT-107) muss der Summe der Nachlässe auf Dokumentebene (BT-92) entsprechen.
BR-CO-12|fatal|Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99).|Die Summe der Zuschläge (BT-108) muss der Summe der Zuschläge auf Dokumentebene (BT-99) entsprechen.
BR-CO-13|fatal|Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-131) - Sum of allowances on document level (BT-107) + Sum of charges on document level (BT-108).|Der Gesamtbetrag ohne Umsatzsteuer (BT-109) muss Positionssumme minus Nachlässe plus Zuschläge entsprechen.
BR-CO-14|fatal|Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117).|Der Umsatzsteuergesamtbetrag (BT-110) muss der Summe der Steuerbeträge je Kategorie (BT-117) entsprechen.
BR-CO-15|fatal|Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + Invoice total VAT amount (BT-110).|Der Bruttobetrag (BT-112) muss Nettobetrag (BT-109) plus Umsatzsteuer (BT-110) entsprechen.
BR-CO-16|fatal|Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - Paid amount (BT-113) + Rounding amount (BT-114).|Der Zahlbetrag (BT-115) muss Bruttobetrag minus Vorauszahlung plus Rundungsbetrag entsprechen.
BR-CO-17|fatal|VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category rate (BT-119) / 100), rounded to two decimals.|Der Steuerbetrag (BT-117) muss Bemessungsgrundlage (BT-116) mal Steuersatz (BT-119) / 100 entsprechen (gerundet).
BR-CO-18|fatal|An Invoice shall at least have one VAT breakdown group (BG-23).|Die Rechnung muss mindestens eine Umsatzsteueraufschlüsselung (BG-23) enthalten.
BR-CO-19|fatal|If Invoicing period (BG-14) is used, the start date (BT-73) or the end date (BT-74) shall be filled, or both.|Ist ein Abrechnungszeitraum (BG-14) angegeben, muss Beginn (BT-73) oder Ende (BT-74) gefüllt sein.
BR-CO-20|fatal|If Invoice line period (BG-26) is used, the start date (BT-134) or the end date (BT-135) shall be filled, or both.|Ist ein Positionszeitraum (BG-26) angegeben, muss Beginn (BT-134) oder Ende (BT-135) gefüllt sein.
BR-CO-21|fatal|Each Document level allowance (BG-20) shall contain a reason (BT-97) or a reason code (BT-98), or both.|Jeder Nachlass auf Dokumentebene muss einen Grund (BT-97) oder Grundcode (BT-98) enthalten.
BR-CO-22|fatal|Each Document level charge (BG-21) shall contain a reason (BT-104) or a reason code (BT-105), or both.|Jeder Zuschlag auf Dokumentebene muss einen Grund (BT-104) oder Grundcode (BT-105) enthalten.
BR-CO-23|fatal|Each Invoice line allowance (BG-27) shall contain a reason (BT-139) or a reason code (BT-140), or both.|Jeder Nachlass auf Positionsebene muss einen Grund (BT-139) oder Grundcode (BT-140) enthalten.
BR-CO-24|fatal|Each Invoice line charge (BG-28) shall contain a reason (BT-144) or a reason code (BT-145), or both.|Jeder Zuschlag auf Positionsebene muss einen Grund (BT-144) oder Grundcode (BT-145) enthalten.
BR-CO-25|fatal|In case the Amount due for payment (BT-115) is positive, either the Payment due date (BT-9) or the Payment terms (BT-20) shall be present.|Ist der Zahlbetrag (BT-115) positiv, muss ein Fälligkeitsdatum (BT-9) oder Zahlungsbedingungen (BT-20) angegeben sein.
BR-CO-26|fatal|The Seller identifier (BT-29), the Seller legal registration identifier (BT-30) and/or the Seller VAT identifier (BT-31) shall be present.|Eine Kennung des Verkäufers (BT-29), seine Registernummer (BT-30) oder seine USt-IdNr. (BT-31) muss angegeben sein.
BR-DEC|fatal|The allowed maximum number of decimals for this amount is 2.|Dieser Betrag darf höchstens zwei Nachkommastellen haben.
BR-CL-01|fatal|The document type code (BT-3) MUST be coded by the invoice and credit note related code lists of UNTDID 1001.|Der Rechnungstyp-Code (BT-3) ist kein zulässiger Code aus UNTDID 1001.
BR-CL-03|fatal|currencyID MUST be coded using ISO code list 4217 alpha-3.|Das Attribut currencyID enthält keinen Währungscode nach ISO 4217.
BR-CL-04|fatal|Invoice currency code (BT-5) MUST be coded using ISO code list 4217 alpha-3.|Der Rechnungswährungscode (BT-5) ist kein Code nach ISO 4217.
BR-CL-05|fatal|Tax currency code (BT-6) MUST be coded using ISO code list 4217 alpha-3.|Der Steuerwährungscode (BT-6) ist kein Code nach ISO 4217.
BR-CL-06|fatal|Value added tax point date code (BT-8) MUST be coded using a restriction of UNTDID 2005.|Der Code für das Steuerfälligkeitsdatum (BT-8) ist nicht zulässig (UNTDID 2005: 3, 35, 432).
BR-CL-07|fatal|Object identifier identification scheme identifier MUST be coded using a restriction of UNTDID 1153.|Die Schema-Kennung der Objektkennung ist kein Code aus UNTDID 1153.
BR-CL-08|fatal|Invoiced note subject code MUST be coded using UNCL4451.|Der Betreffcode der Bemerkung ist kein Code aus UNTDID 4451.
BR-CL-10|fatal|Any identifier identification scheme identifier MUST be coded using one of the ISO 6523 ICD list.|Die Schema-Kennung ist kein Code der ISO-6523-ICD-Liste.
BR-CL-11|fatal|Any registration identifier identification scheme identifier MUST be coded using one of the ISO 6523 ICD list.|Die Schema-Kennung der Registernummer ist kein Code der ISO-6523-ICD-Liste.
BR-CL-13|fatal|Item classification identifier identification scheme identifier MUST be coded using one of the UNTDID 7143 list.|Die Schema-Kennung der Artikelklassifizierung ist kein Code aus UNTDID 7143.
BR-CL-14|fatal|Country codes in an invoice MUST be coded using ISO code list 3166-1.|Der Ländercode ist kein Code nach ISO 3166-1.
BR-CL-15|fatal|Country codes in an invoice MUST be coded using ISO code list 3166-1.|Der Ländercode des Ursprungslands ist kein Code nach ISO 3166-1.
BR-CL-16|fatal|Payment means in an invoice MUST be coded using UNCL4461 code list.|Der Code der Zahlungsart (BT-81) ist kein Code aus UNTDID 4461.
BR-CL-17|fatal|Invoice tax categories MUST be coded using UNCL5305 code list.|Der Umsatzsteuerkategorie-Code ist kein Code aus UNTDID 5305.
BR-CL-18|fatal|Invoice tax categories MUST be coded using UNCL5305 code list.|Der Umsatzsteuerkategorie-Code ist kein Code aus UNTDID 5305.
BR-CL-19|fatal|Coded allowance reasons MUST belong to the UNCL 5189 code list.|Der Code des Nachlassgrunds ist kein Code aus UNTDID 5189.
BR-CL-20|fatal|Coded charge reasons MUST belong to the UNCL 7161 code list.|Der Code des Zuschlagsgrunds ist kein Code aus UNTDID 7161.
BR-CL-21|fatal|Item standard identifier scheme identifier MUST belong to the ISO 6523 ICD code list.|Die Schema-Kennung der Artikelkennung ist kein Code der ISO-6523-ICD-Liste.
BR-CL-22|fatal|Tax exemption reason code identifier scheme identifier MUST belong to the CEF VATEX code list.|Der Code des Befreiungsgrunds ist kein Code der VATEX-Liste.
BR-CL-23|fatal|Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec 21 extension.|Die Mengeneinheit ist kein Code nach UN/ECE-Empfehlung 20/21.
BR-CL-24|fatal|For Mime code in attribute use MIMEMediaType.|Der MIME-Typ des Anhangs ist nicht zulässig.
BR-CL-25|fatal|Endpoint identifier scheme identifier MUST belong to the CEF EAS code list.|Die Schema-Kennung der elektronischen Adresse ist kein Code der EAS-Liste.
BR-CL-26|fatal|Delivery location identifier scheme identifier MUST belong to the ISO 6523 ICD code list.|Die Schema-Kennung des Lieferorts ist kein Code der ISO-6523-ICD-Liste.
BR-DE-1|error|An invoice must contain information on payment instructions (BG-16).|Eine Rechnung muss Angaben zu Zahlungsanweisungen (BG-16) enthalten.
BR-DE-2|error|The group Seller contact (BG-6) must be transmitted.|Die Gruppe Kontaktinformationen des Verkäufers (BG-6) muss übermittelt werden.
BR-DE-3|error|The element Seller city (BT-37) must be transmitted.|Der Ort des Verkäufers (BT-37) muss übermittelt werden.
BR-DE-4|error|The element Seller post code (BT-38) must be transmitted.|Die Postleitzahl des Verkäufers (BT-38) muss übermittelt werden.
BR-DE-5|error|The element Seller contact point (BT-41) must be transmitted.|Der Ansprechpartner des Verkäufers (BT-41) muss übermittelt werden.
BR-DE-6|error|The element Seller contact telephone number (BT-42) must be transmitted.|Die Telefonnummer des Ansprechpartners (BT-42) muss übermittelt werden.
BR-DE-7|error|The element Seller contact email address (BT-43) must be transmitted.|Die E-Mail-Adresse des Ansprechpartners (BT-43) muss übermittelt werden.
BR-DE-8|error|The element Buyer city (BT-52) must be transmitted.|Der Ort des Erwerbers (BT-52) muss übermittelt werden.
BR-DE-9|error|The element Buyer post code (BT-53) must be transmitted.|Die Postleitzahl des Erwerbers (BT-53) muss übermittelt werden.
BR-DE-10|error|The element Deliver to city (BT-77) must be transmitted if the group Deliver to address (BG-15) is present.|Der Ort der Lieferanschrift (BT-77) muss übermittelt werden.
BR-DE-11|error|The element Deliver to post code (BT-78) must be transmitted if the group Deliver to address (BG-15) is present.|Die Postleitzahl der Lieferanschrift (BT-78) muss übermittelt werden.
BR-DE-14|error|The element VAT category rate (BT-119) must be transmitted.|Der Umsatzsteuersatz (BT-119) muss übermittelt werden.
BR-DE-15|error|The element Buyer reference (BT-10) must be transmitted.|Die Käuferreferenz (BT-10, Leitweg-ID) muss übermittelt werden.
BR-DE-16|error|If one of the VAT codes S, Z, E, AE, K, G, L, or M is used, at least one of Seller VAT identifier (BT-31), Seller tax registration identifier (BT-32) or Seller tax representative (BG-11) must be transmitted.|Bei Umsatzsteuerkategorie S, Z, E, AE, K, G, L oder M muss USt-IdNr. (BT-31), Steuernummer (BT-32) oder ein Steuervertreter (BG-11) angegeben sein.
BR-DE-17|warning|Invoice type code (BT-3) should be one of 326, 380, 384, 389, 381, 875, 876, 877.|Der Rechnungstyp-Code (BT-3) sollte 326, 380, 384, 389, 381, 875, 876 oder 877 sein.
BR-DE-18|error|The cash discount information in Payment terms (BT-20) must follow the format #SKONTO#TAGE=n#PROZENT=n.nn#[BASISBETRAG=n.nn#].|Die Skonto-Angaben in den Zahlungsbedingungen (BT-20) entsprechen nicht dem Format #SKONTO#TAGE=n#PROZENT=n.nn#.
BR-DE-19|warning|Payment account identifier (BT-84) should be a valid IBAN for SEPA credit transfer.|Die Kontokennung (BT-84) sollte bei SEPA-Überweisung eine gültige IBAN sein.
BR-DE-20|warning|Debited account identifier (BT-91) should be a valid IBAN for SEPA direct debit.|Die Kennung des belasteten Kontos (BT-91) sollte bei SEPA-Lastschrift eine gültige IBAN sein.
BR-DE-21|warning|Specification identifier (BT-24) should be the XRechnung 3.0 identifier.|Die Spezifikationskennung (BT-24) sollte der XRechnung-3.0-Kennung entsprechen.
BR-DE-22|error|The filenames of attached documents (BT-125) must be unique.|Die Dateinamen der Anhänge (BT-125) müssen eindeutig sein.
BR-DE-23-a|error|If Payment means type code (BT-81) is 30 or 58, the group Credit transfer (BG-17) must be transmitted.|Bei Zahlungsart 30 oder 58 muss die Gruppe Überweisung (BG-17) übermittelt werden.
BR-DE-23-b|error|If Payment means type code (BT-81) is 30 or 58, Payment card (BG-18) and Direct debit (BG-19) must not be transmitted.|Bei Zahlungsart 30 oder 58 dürfen Zahlungskarte (BG-18) und Lastschrift (BG-19) nicht übermittelt werden.
BR-DE-24-a|error|If Payment means type code (BT-81) is 48, 54 or 55, the group Payment card information (BG-18) must be transmitted.|Bei Zahlungsart 48, 54 oder 55 muss die Gruppe Zahlungskarte (BG-18) übermittelt werden.
BR-DE-24-b|error|If Payment means type code (BT-81) is 48, 54 or 55, Credit transfer (BG-17) and Direct debit (BG-19) must not be transmitted.|Bei Zahlungsart 48, 54 oder 55 dürfen Überweisung (BG-17) und Lastschrift (BG-19) nicht übermittelt werden.
BR-DE-25-a|error|If Payment means type code (BT-81) is 59, the group Direct debit (BG-19) must be transmitted.|Bei Zahlungsart 59 muss die Gruppe Lastschrift (BG-19) übermittelt werden.
BR-DE-25-b|error|If Payment means type code (BT-81) is 59, Credit transfer (BG-17) and Payment card (BG-18) must not be transmitted.|Bei Zahlungsart 59 dürfen Überweisung (BG-17) und Zahlungskarte (BG-18) nicht übermittelt werden.
BR-DE-26|warning|If Invoice type code (BT-3) is 384 (corrected invoice), Preceding Invoice reference (BG-3) should be transmitted.|Bei einer korrigierten Rechnung (Typ 384) sollte die vorausgegangene Rechnung (BG-3) angegeben sein.
BR-DE-27|warning|Seller contact telephone number (BT-42) should contain at least three digits.|Die Telefonnummer des Verkäufers (BT-42) sollte mindestens drei Ziffern enthalten.
BR-DE-28|warning|Seller contact email address (BT-43) should be a valid e-mail address.|Die E-Mail-Adresse des Verkäufers (BT-43) sollte gültig sein.
BR-DE-30|error|If Direct debit (BG-19) is transmitted, Bank assigned creditor identifier (BT-90) must be transmitted.|Bei Lastschrift (BG-19) muss die Gläubiger-Identifikationsnummer (BT-90) übermittelt werden.
BR-DE-31|error|If Direct debit (BG-19) is transmitted, Debited account identifier (BT-91) must be transmitted.|Bei Lastschrift (BG-19) muss die Kennung des belasteten Kontos (BT-91) übermittelt werden.
BR-DE-TMP-32|information|Delivery date (BT-72), Invoicing period (BG-14) or an Invoice line period (BG-26) on every line should be given.|Lieferdatum (BT-72), Abrechnungszeitraum (BG-14) oder je Position ein Leistungszeitraum (BG-26) sollte angegeben sein.
BR-TMP-2|warning|External document location (BT-124) should be an absolute URL.|Der Verweis auf ein externes Dokument (BT-124) sollte eine absolute URL sein.
BR-TMP-3|error|Gross price (BT-148) and net price (BT-146) must use the same base quantity (BT-149/BT-150).|Brutto- und Nettopreis müssen dieselbe Basismenge (BT-149/BT-150) verwenden.
BR-DEX-01|fatal|Attached document (BT-125) uses a MIME code not allowed in the XRechnung Extension.|Der Anhang (BT-125) hat einen in der XRechnung-Extension nicht zulässigen MIME-Code.
BR-DEX-02|warning|Invoice line net amount (BT-131) should equal the sum of the net amounts of the sub invoice lines directly below it.|Der Nettobetrag einer Position (BT-131) soll der Summe der direkt untergeordneten Unterpositionen entsprechen.
BR-DEX-03|fatal|A sub invoice line must contain exactly one sub invoice line VAT information (BG-DEX-06).|Eine Unterposition muss genau eine Umsatzsteuerinformation (BG-DEX-06) enthalten.
BR-DEX-04|fatal|Any scheme identifier must be coded using the ISO 6523 ICD list (Extension: including XR01-XR03).|Die Schema-Kennung muss aus der ISO-6523-ICD-Liste stammen (Extension: einschließlich XR01-XR03).
BR-DEX-05|fatal|Any registration scheme identifier must be coded using the ISO 6523 ICD list (Extension: including XR01-XR03).|Die Schema-Kennung der Registernummer muss aus der ISO-6523-ICD-Liste stammen.
BR-DEX-06|fatal|Item standard identifier scheme must be coded using the ISO 6523 ICD list (Extension: including XR01-XR03).|Die Schema-Kennung der Artikelkennung muss aus der ISO-6523-ICD-Liste stammen.
BR-DEX-07|fatal|Endpoint identifier scheme must belong to the CEF EAS code list (Extension: including XR01-XR03).|Die Schema-Kennung der elektronischen Adresse muss aus der EAS-Liste stammen.
BR-DEX-08|fatal|Delivery location identifier scheme must be coded using the ISO 6523 ICD list (Extension: including XR01-XR03).|Die Schema-Kennung des Lieferorts muss aus der ISO-6523-ICD-Liste stammen.
BR-DEX-09|fatal|Amount due for payment (BT-115) = BT-112 - BT-113 + BT-114 - sum of third party payment amounts (BT-DEX-002).|Der Zahlbetrag (BT-115) muss Bruttobetrag minus Vorauszahlung plus Rundung minus Zahlungen Dritter entsprechen.
BR-DEX-10|fatal|Third party payment type (BT-DEX-001) must be transmitted for each third party payment.|Die Art der Zahlung Dritter (BT-DEX-001) muss angegeben sein.
BR-DEX-11|fatal|Third party payment amount (BT-DEX-002) must be transmitted for each third party payment.|Der Betrag der Zahlung Dritter (BT-DEX-002) muss angegeben sein.
BR-DEX-12|fatal|Third party payment description (BT-DEX-003) must be transmitted for each third party payment.|Die Beschreibung der Zahlung Dritter (BT-DEX-003) muss angegeben sein.
BR-DEX-13|fatal|Third party payment amount (BT-DEX-002) has at most two decimals.|Der Betrag der Zahlung Dritter (BT-DEX-002) darf höchstens zwei Nachkommastellen haben.
BR-DEX-14|fatal|The currency of the third party payment amount (BT-DEX-002) must equal the invoice currency (BT-5).|Die Währung der Zahlung Dritter muss der Rechnungswährung (BT-5) entsprechen.
BR-DEX-15|warning|The CII document might use sub invoice lines, which XRechnung does not support.|Das CII-Dokument verwendet möglicherweise Unterpositionen, die XRechnung nicht unterstützt.
BR-DE-CVD-01|error|Contract reference (BT-12) must be transmitted in a CVD invoice.|Die Vertragsnummer (BT-12) muss in einer CVD-Rechnung angegeben sein.
BR-DE-CVD-02|error|Tender or lot reference (BT-17) must be transmitted in a CVD invoice.|Die Vergabe- bzw. Losnummer (BT-17) muss in einer CVD-Rechnung angegeben sein.
BR-DE-CVD-03|error|At least one invoice line must carry the clean vehicle information (classification with scheme CVD and item attribute cva).|Mindestens eine Position muss die Angaben zum sauberen Fahrzeug enthalten (Klassifizierung CVD und Eigenschaft cva).
BR-DE-CVD-04|error|The vehicle category (BT-158 with scheme CVD) must be one of M1, M2, M3, N1, N2, N3.|Die Fahrzeugklasse (BT-158, Schema CVD) muss M1, M2, M3, N1, N2 oder N3 sein.
BR-DE-CVD-05|error|The item attribute cva (BT-161) must be clean, zero-emission or other.|Die Eigenschaft cva (BT-161) muss clean, zero-emission oder other sein.
BR-DE-CVD-06-a|error|A line with a CVD vehicle category must have exactly one item attribute cva.|Eine Position mit CVD-Fahrzeugklasse muss genau eine Eigenschaft cva haben.
BR-DE-CVD-06-b|error|A line with the item attribute cva must have exactly one classification with scheme CVD.|Eine Position mit der Eigenschaft cva muss genau eine Klassifizierung mit Schema CVD haben.
BR-TMP-CVD-01|error|Item classification scheme (BT-158-1) must be from UNTDID 7143 or CVD.|Das Klassifizierungsschema (BT-158-1) muss aus UNTDID 7143 stammen oder CVD sein.
PEPPOL-EN16931-R001|fatal|Business process (BT-23) MUST be provided.|Die Prozesskennung (BT-23) muss angegeben sein.
PEPPOL-EN16931-R002|fatal|No more than one note is allowed on document level, unless both the buyer and seller are German organizations.|Auf Dokumentebene ist höchstens eine Bemerkung erlaubt, außer Käufer und Verkäufer sind deutsch.
PEPPOL-EN16931-R003|fatal|A buyer reference or purchase order reference MUST be provided.|Eine Käuferreferenz (BT-10) oder Bestellnummer (BT-13) muss angegeben sein.
PEPPOL-EN16931-R004|fatal|Specification identifier MUST have the value of a Peppol or XRechnung specification.|Die Spezifikationskennung (BT-24) hat keinen zulässigen Wert.
PEPPOL-EN16931-R005|fatal|VAT accounting currency code (BT-6) MUST be different from invoice currency code (BT-5) when provided.|Die Steuerwährung (BT-6) muss sich von der Rechnungswährung (BT-5) unterscheiden.
PEPPOL-EN16931-R006|fatal|Only one invoiced object is allowed on document level.|Auf Dokumentebene ist nur eine Objektkennung erlaubt.
PEPPOL-EN16931-R007|fatal|Business process (BT-23) MUST be in the format 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0'.|Die Prozesskennung (BT-23) muss das Format urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0 haben.
PEPPOL-EN16931-R008|fatal|Document MUST not contain empty elements.|Das Dokument darf keine leeren Elemente enthalten.
PEPPOL-EN16931-R010|fatal|Buyer electronic address (BT-49) MUST be provided.|Die elektronische Adresse des Erwerbers (BT-49) muss angegeben sein.
PEPPOL-EN16931-R020|fatal|Seller electronic address (BT-34) MUST be provided.|Die elektronische Adresse des Verkäufers (BT-34) muss angegeben sein.
PEPPOL-EN16931-R040|fatal|Allowance/charge amount must equal base amount * percentage / 100 if base amount and percentage exists.|Der Nachlass-/Zuschlagsbetrag muss Basisbetrag mal Prozentsatz / 100 entsprechen.
PEPPOL-EN16931-R041|fatal|Allowance/charge base amount MUST be provided when allowance/charge percentage is provided.|Ist ein Prozentsatz angegeben, muss der Basisbetrag des Nachlasses/Zuschlags angegeben sein.
PEPPOL-EN16931-R042|fatal|Allowance/charge percentage MUST be provided when allowance/charge base amount is provided.|Ist ein Basisbetrag angegeben, muss der Prozentsatz des Nachlasses/Zuschlags angegeben sein.
PEPPOL-EN16931-R043|fatal|Allowance/charge ChargeIndicator value MUST equal 'true' or 'false'.|Der Zuschlagsindikator muss 'true' oder 'false' sein.
PEPPOL-EN16931-R044|fatal|Charge on price level is NOT allowed. Only value 'false' allowed.|Zuschläge auf Preisebene sind nicht erlaubt.
PEPPOL-EN16931-R046|fatal|Item net price MUST equal (Gross price - Allowance amount) when gross price is provided.|Der Nettopreis muss Bruttopreis minus Preisnachlass entsprechen.
PEPPOL-EN16931-R051|fatal|All currencyID attributes must have the same value as the invoice currency code (BT-5), except for the invoice total VAT amount in accounting currency (BT-111).|Alle currencyID-Attribute müssen der Rechnungswährung (BT-5) entsprechen (außer BT-111).
PEPPOL-EN16931-R053|fatal|Only one tax total with tax subtotals MUST be provided.|Es darf nur eine Umsatzsteuersumme mit Aufschlüsselung angegeben sein.
PEPPOL-EN16931-R054|fatal|Only one tax total without tax subtotals MUST be provided when tax currency code is provided.|Bei Angabe einer Steuerwährung muss genau eine Umsatzsteuersumme ohne Aufschlüsselung angegeben sein.
PEPPOL-EN16931-R055|fatal|Invoice total VAT amount and Invoice total VAT amount in accounting currency MUST have the same operational sign.|Umsatzsteuergesamtbetrag und Betrag in Steuerwährung müssen dasselbe Vorzeichen haben.
PEPPOL-EN16931-R061|fatal|Mandate reference MUST be provided for direct debit.|Bei Lastschrift muss die Mandatsreferenz angegeben sein.
PEPPOL-EN16931-R080|fatal|Only one project reference is allowed on document level.|Auf Dokumentebene ist nur eine Projektreferenz erlaubt.
PEPPOL-EN16931-R100|fatal|Only one invoiced object is allowed pr line.|Je Position ist nur eine Objektkennung erlaubt.
PEPPOL-EN16931-R101|fatal|Element Document reference can only be used for Invoice line object.|Ein Dokumentverweis auf Positionsebene ist nur als Objektkennung (Typ 130) erlaubt.
PEPPOL-EN16931-R110|fatal|Start date of line period MUST be within invoice period.|Der Beginn des Positionszeitraums muss im Abrechnungszeitraum liegen.
PEPPOL-EN16931-R111|fatal|End date of line period MUST be within invoice period.|Das Ende des Positionszeitraums muss im Abrechnungszeitraum liegen.
PEPPOL-EN16931-R120|warning|Invoice line net amount MUST equal (Invoiced quantity * (Item net price/item price base quantity) + Sum of invoice line charge amount - sum of invoice line allowance amount.|Der Positionsnettobetrag muss Menge mal Nettopreis je Basismenge plus Zuschläge minus Nachlässe entsprechen.
PEPPOL-EN16931-R121|fatal|Base quantity MUST be a positive number above zero.|Die Basismenge muss größer als null sein.
PEPPOL-EN16931-R130|fatal|Unit code of price base quantity MUST be same as invoiced quantity.|Die Einheit der Basismenge muss der Einheit der Menge entsprechen.
PEPPOL-EN16931-P0100|fatal|Invalid invoice type code.|Ungültiger Rechnungstyp-Code.
PEPPOL-EN16931-P0101|fatal|Invalid credit note type code.|Ungültiger Gutschriftstyp-Code.
PEPPOL-EN16931-F001|fatal|A date MUST be formatted YYYY-MM-DD.|Ein Datum muss das Format JJJJ-MM-TT haben.
CII-SR-009|fatal|GuidelineSpecifiedDocumentContextParameter must exist exactly once.|GuidelineSpecifiedDocumentContextParameter muss genau einmal vorhanden sein.
CII-SR-010|fatal|The specification identifier (BT-24) must exist exactly once.|Die Spezifikationskennung (BT-24) muss genau einmal vorhanden sein.
CII-SR-014|fatal|The invoice type code (BT-3) must exist exactly once.|Der Rechnungstyp-Code (BT-3) muss genau einmal vorhanden sein.
CII-SR-046|fatal|The item standard identifier (GlobalID) must have a schemeID.|Die Artikelkennung nach Schema (GlobalID) muss ein Attribut schemeID haben.
CII-SR-069|fatal|An item attribute (ApplicableProductCharacteristic) must have exactly one Description.|Eine Artikeleigenschaft muss genau eine Beschreibung (Description) haben.
CII-SR-072|fatal|An item attribute (ApplicableProductCharacteristic) must have exactly one Value.|Eine Artikeleigenschaft muss genau einen Wert (Value) haben.
CII-SR-090|fatal|The item country of origin must have exactly one ID.|Das Ursprungsland des Artikels muss genau eine Kennung (ID) haben.
CII-SR-440|fatal|The price discount (ActualAmount) should exist maximum once.|Der Preisnachlass (ActualAmount) darf höchstens einmal vorkommen.
CII-SR-441|fatal|The item net price (ChargeAmount) should exist maximum once.|Der Nettopreis (ChargeAmount) darf höchstens einmal vorkommen.
CII-DT-101|fatal|Identifiers shall not carry the attribute schemeName.|Kennungen dürfen das Attribut schemeName nicht haben.
CII-DT-102|fatal|Identifiers shall not carry the attribute schemeAgencyName.|Kennungen dürfen das Attribut schemeAgencyName nicht haben.
CII-DT-103|fatal|Identifiers shall not carry the attribute schemeDataURI.|Kennungen dürfen das Attribut schemeDataURI nicht haben.
CII-DT-104|fatal|Identifiers shall not carry the attribute schemeURI.|Kennungen dürfen das Attribut schemeURI nicht haben.
CII-DT-008|fatal|Type codes shall not carry the attribute name.|Typ-Codes dürfen das Attribut name nicht haben.
CII-DT-009|fatal|Type codes shall not carry the attribute listURI.|Typ-Codes dürfen das Attribut listURI nicht haben.
CII-DT-010|fatal|The invoice type code (BT-3) shall not carry the attribute listID.|Der Rechnungstyp-Code (BT-3) darf das Attribut listID nicht haben.
CII-DT-011|fatal|The invoice type code (BT-3) shall not carry the attribute listAgencyID.|Der Rechnungstyp-Code (BT-3) darf das Attribut listAgencyID nicht haben.
CII-DT-012|fatal|The invoice type code (BT-3) shall not carry the attribute listVersionID.|Der Rechnungstyp-Code (BT-3) darf das Attribut listVersionID nicht haben.
CII-DT-097|fatal|A date time string with format 102 shall be YYYYMMDD.|Ein Datum mit Format 102 muss die Form JJJJMMTT haben.
CII-DT-013|fatal|The attribute languageID shall not be present on the invoice.|Die Rechnung darf das Attribut languageID nicht haben.
CII-DT-014|fatal|The attribute languageLocaleID shall not be present on the invoice.|Die Rechnung darf das Attribut languageLocaleID nicht haben.
CII-DT-015|fatal|A referenced document shall not contain URIID (EN 16931 does not use it there).|Ein Dokumentverweis darf URIID nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-016|fatal|A referenced document shall not contain StatusCode (EN 16931 does not use it there).|Ein Dokumentverweis darf StatusCode nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-017|fatal|A referenced document shall not contain CopyIndicator (EN 16931 does not use it there).|Ein Dokumentverweis darf CopyIndicator nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-018|fatal|A referenced document shall not contain TypeCode (EN 16931 does not use it there).|Ein Dokumentverweis darf TypeCode nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-019|fatal|A referenced document shall not contain GlobalID (EN 16931 does not use it there).|Ein Dokumentverweis darf GlobalID nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-020|fatal|A referenced document shall not contain RevisionID (EN 16931 does not use it there).|Ein Dokumentverweis darf RevisionID nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-021|fatal|A referenced document shall not contain Name (EN 16931 does not use it there).|Ein Dokumentverweis darf Name nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-022|fatal|A referenced document shall not contain AttachmentBinaryObject (EN 16931 does not use it there).|Ein Dokumentverweis darf AttachmentBinaryObject nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-023|fatal|A referenced document shall not contain Information (EN 16931 does not use it there).|Ein Dokumentverweis darf Information nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-024|fatal|A referenced document shall not contain ReferenceTypeCode (EN 16931 does not use it there).|Ein Dokumentverweis darf ReferenceTypeCode nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-025|fatal|A referenced document shall not contain SectionName (EN 16931 does not use it there).|Ein Dokumentverweis darf SectionName nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-026|fatal|A referenced document shall not contain PreviousRevisionID (EN 16931 does not use it there).|Ein Dokumentverweis darf PreviousRevisionID nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-027|fatal|A referenced document shall not contain FormattedIssueDateTime (EN 16931 does not use it there).|Ein Dokumentverweis darf FormattedIssueDateTime nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-028|fatal|A referenced document shall not contain EffectiveSpecifiedPeriod (EN 16931 does not use it there).|Ein Dokumentverweis darf EffectiveSpecifiedPeriod nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-029|fatal|A referenced document shall not contain IssuerTradeParty (EN 16931 does not use it there).|Ein Dokumentverweis darf IssuerTradeParty nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-030|fatal|A referenced document shall not contain AttachedSpecifiedBinaryFile (EN 16931 does not use it there).|Ein Dokumentverweis darf AttachedSpecifiedBinaryFile nicht enthalten (EN 16931 verwendet es dort nicht).
CII-DT-031|fatal|Amounts shall not carry the attribute currencyID (only the VAT total BT-110/BT-111 does).|Beträge dürfen das Attribut currencyID nicht haben (nur die Umsatzsteuersumme BT-110/BT-111).
CII-DT-032|fatal|Amounts shall not carry the attribute currencyCodeListVersionID.|Beträge dürfen das Attribut currencyCodeListVersionID nicht haben.
CII-DT-033|fatal|Quantities shall not carry a unitCode unless the invoiced quantity has one.|Mengen dürfen nur dann eine Einheit (unitCode) haben, wenn die berechnete Menge eine hat.
CII-DT-034|fatal|Quantities shall not carry the attribute unitCodeListID.|Mengen dürfen das Attribut unitCodeListID nicht haben.
CII-DT-035|fatal|Quantities shall not carry the attribute unitCodeListAgencyID.|Mengen dürfen das Attribut unitCodeListAgencyID nicht haben.
CII-DT-036|fatal|Quantities shall not carry the attribute unitCodeListAgencyName.|Mengen dürfen das Attribut unitCodeListAgencyName nicht haben.
CII-DT-037|fatal|The tax type code shall be 'VAT'.|Der Steuerart-Code muss 'VAT' sein.
CII-DT-068|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain StartDateTime/DateTime.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf StartDateTime/DateTime nicht enthalten.
CII-DT-069|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain DurationMeasure.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf DurationMeasure nicht enthalten.
CII-DT-070|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain InclusiveIndicator.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf InclusiveIndicator nicht enthalten.
CII-DT-071|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain Description.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf Description nicht enthalten.
CII-DT-072|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain EndDateTime/DateTime.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf EndDateTime/DateTime nicht enthalten.
CII-DT-073|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain CompleteDateTime.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf CompleteDateTime nicht enthalten.
CII-DT-074|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain OpenIndicator.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf OpenIndicator nicht enthalten.
CII-DT-075|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain SeasonCode.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf SeasonCode nicht enthalten.
CII-DT-076|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain ID.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf ID nicht enthalten.
CII-DT-077|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain Name.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf Name nicht enthalten.
CII-DT-078|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain SequenceNumeric.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf SequenceNumeric nicht enthalten.
CII-DT-079|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain StartDateFlexibilityCode.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf StartDateFlexibilityCode nicht enthalten.
CII-DT-080|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain ContinuousIndicator.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf ContinuousIndicator nicht enthalten.
CII-DT-081|fatal|An invoicing period (BillingSpecifiedPeriod) shall not contain PurposeCode.|Ein Abrechnungszeitraum (BillingSpecifiedPeriod) darf PurposeCode nicht enthalten.
CII-DT-082|fatal|A postal address (PostalTradeAddress) shall not contain ID.|Eine Postanschrift (PostalTradeAddress) darf ID nicht enthalten.
CII-DT-083|fatal|A postal address (PostalTradeAddress) shall not contain PostOfficeBox.|Eine Postanschrift (PostalTradeAddress) darf PostOfficeBox nicht enthalten.
CII-DT-084|fatal|A postal address (PostalTradeAddress) shall not contain BuildingName.|Eine Postanschrift (PostalTradeAddress) darf BuildingName nicht enthalten.
CII-DT-086|fatal|A postal address (PostalTradeAddress) shall not contain LineFour.|Eine Postanschrift (PostalTradeAddress) darf LineFour nicht enthalten.
CII-DT-087|fatal|A postal address (PostalTradeAddress) shall not contain LineFive.|Eine Postanschrift (PostalTradeAddress) darf LineFive nicht enthalten.
CII-DT-088|fatal|A postal address (PostalTradeAddress) shall not contain StreetName.|Eine Postanschrift (PostalTradeAddress) darf StreetName nicht enthalten.
CII-DT-089|fatal|A postal address (PostalTradeAddress) shall not contain CitySubDivisionName.|Eine Postanschrift (PostalTradeAddress) darf CitySubDivisionName nicht enthalten.
CII-DT-090|fatal|A postal address (PostalTradeAddress) shall not contain CountryName.|Eine Postanschrift (PostalTradeAddress) darf CountryName nicht enthalten.
CII-DT-091|fatal|A postal address (PostalTradeAddress) shall not contain CountrySubDivisionID.|Eine Postanschrift (PostalTradeAddress) darf CountrySubDivisionID nicht enthalten.
CII-DT-092|fatal|A postal address (PostalTradeAddress) shall not contain AttentionOf.|Eine Postanschrift (PostalTradeAddress) darf AttentionOf nicht enthalten.
CII-DT-093|fatal|A postal address (PostalTradeAddress) shall not contain CareOf.|Eine Postanschrift (PostalTradeAddress) darf CareOf nicht enthalten.
CII-DT-094|fatal|A postal address (PostalTradeAddress) shall not contain BuildingNumber.|Eine Postanschrift (PostalTradeAddress) darf BuildingNumber nicht enthalten.
CII-DT-095|fatal|A postal address (PostalTradeAddress) shall not contain DepartmentName.|Eine Postanschrift (PostalTradeAddress) darf DepartmentName nicht enthalten.
CII-DT-096|fatal|A postal address (PostalTradeAddress) shall not contain AdditionalStreetName.|Eine Postanschrift (PostalTradeAddress) darf AdditionalStreetName nicht enthalten.
CII-SR-452|warning|Only one SpecifiedTradePaymentTerms should be present.|Es sollte nur ein Block Zahlungsbedingungen (SpecifiedTradePaymentTerms) vorhanden sein.
CII-SR-453|warning|Only one payment terms description (BT-20) should be present.|Es sollte nur eine Beschreibung der Zahlungsbedingungen (BT-20) vorhanden sein.
CII-SR-454|warning|Only one payment due date (BT-9) should be present.|Es sollte nur ein Fälligkeitsdatum (BT-9) vorhanden sein.
CII-SR-461|fatal|Only one TaxPointDate (BT-7) shall be present.|Es darf nur ein Datum der Steuerfälligkeit (BT-7) angegeben sein.
CII-SR-462|fatal|Only one distinct DueDateTypeCode (BT-8) shall be present.|Es darf nur ein Code für das Datum der Steuerfälligkeit (BT-8) angegeben sein.
CII-SR-465|warning|Seller contact: PersonName and DepartmentName should not both be present.|Beim Ansprechpartner des Verkäufers sollten nicht Person und Abteilung zugleich angegeben sein.
CII-SR-466|warning|Buyer contact: PersonName and DepartmentName should not both be present.|Beim Ansprechpartner des Erwerbers sollten nicht Person und Abteilung zugleich angegeben sein.
UBL-SR-18|fatal|Buyer tax identifier (PartyTaxScheme) shall occur maximum once.|Die Steuerkennung des Erwerbers darf höchstens einmal vorkommen.
UBL-SR-42|fatal|Party tax scheme shall occur maximum twice in accounting supplier party.|PartyTaxScheme darf beim Verkäufer höchstens zweimal vorkommen.
UBL-SR-43|fatal|Project reference (BT-11) shall occur maximum once.|Die Projektreferenz (BT-11) darf höchstens einmal vorkommen.
UBL-SR-44|fatal|Payment ID (BT-83) shall occur maximum once.|Der Verwendungszweck (BT-83) darf höchstens einmal vorkommen.
UBL-SR-47|fatal|When there are more than one payment means code, they shall be equal.|Mehrere Zahlungsart-Codes (BT-81) müssen gleich sein.
UBL-SR-01|fatal|Contract identifier (BT-12) shall occur maximum once.|Die Vertragsnummer (BT-12) darf höchstens einmal vorkommen.
UBL-SR-02|fatal|Receiving advice identifier (BT-15) shall occur maximum once.|Die Wareneingangsmeldung (BT-15) darf höchstens einmal vorkommen.
UBL-SR-03|fatal|Despatch advice identifier (BT-16) shall occur maximum once.|Die Versandanzeige (BT-16) darf höchstens einmal vorkommen.
UBL-SR-04|fatal|Invoiced object identifier (BT-18) shall occur maximum once.|Die Objektkennung (BT-18) darf höchstens einmal vorkommen.
UBL-SR-05|fatal|Payment terms (BT-20) shall occur maximum once.|Die Zahlungsbedingungen (BT-20) dürfen höchstens einmal vorkommen.
UBL-SR-06|fatal|Preceding invoice reference shall occur maximum once per billing reference.|Der Verweis auf eine vorausgegangene Rechnung darf je BillingReference höchstens einmal vorkommen.
UBL-SR-07|fatal|If there is a preceding invoice reference, the preceding invoice number (BT-25) shall be present.|Bei einem Verweis auf eine vorausgegangene Rechnung muss deren Nummer (BT-25) angegeben sein.
UBL-SR-08|fatal|Invoice period (BG-14) shall occur maximum once.|Der Abrechnungszeitraum (BG-14) darf höchstens einmal vorkommen.
UBL-SR-09|fatal|Seller name (BT-27) shall occur maximum once.|Der Name des Verkäufers (BT-27) darf höchstens einmal vorkommen.
UBL-SR-10|fatal|Seller trading name (BT-28) shall occur maximum once.|Der Handelsname des Verkäufers (BT-28) darf höchstens einmal vorkommen.
UBL-SR-11|fatal|Seller legal registration identifier (BT-30) shall occur maximum once.|Die Registernummer des Verkäufers (BT-30) darf höchstens einmal vorkommen.
UBL-SR-12|fatal|Seller VAT identifier (BT-31) shall occur maximum once.|Die USt-IdNr. des Verkäufers (BT-31) darf höchstens einmal vorkommen.
UBL-SR-13|fatal|Seller tax registration identifier (BT-32) shall occur maximum once.|Die Steuernummer des Verkäufers (BT-32) darf höchstens einmal vorkommen.
UBL-SR-14|fatal|Seller additional legal information (BT-33) shall occur maximum once.|Die weiteren rechtlichen Informationen des Verkäufers (BT-33) dürfen höchstens einmal vorkommen.
UBL-SR-15|fatal|Buyer name (BT-44) shall occur maximum once.|Der Name des Erwerbers (BT-44) darf höchstens einmal vorkommen.
UBL-SR-16|fatal|Buyer identifier (BT-46) shall occur maximum once.|Die Kennung des Erwerbers (BT-46) darf höchstens einmal vorkommen.
UBL-SR-17|fatal|Buyer legal registration identifier (BT-47) shall occur maximum once.|Die Registernummer des Erwerbers (BT-47) darf höchstens einmal vorkommen.
UBL-SR-19|fatal|Payee name (BT-59) shall occur maximum once and the payee must differ from the seller.|Der Name des Zahlungsempfängers (BT-59) darf höchstens einmal vorkommen, und der Zahlungsempfänger muss vom Verkäufer verschieden sein.
UBL-SR-20|fatal|Payee identifier (BT-60) shall occur maximum once and the payee must differ from the seller.|Die Kennung des Zahlungsempfängers (BT-60) darf höchstens einmal vorkommen, und der Zahlungsempfänger muss vom Verkäufer verschieden sein.
UBL-SR-21|fatal|Payee legal registration identifier (BT-61) shall occur maximum once and the payee must differ from the seller.|Die Registernummer des Zahlungsempfängers (BT-61) darf höchstens einmal vorkommen, und der Zahlungsempfänger muss vom Verkäufer verschieden sein.
UBL-SR-22|fatal|Seller tax representative name (BT-62) shall occur maximum once.|Der Name des Steuervertreters (BT-62) darf höchstens einmal vorkommen.
UBL-SR-24|fatal|Deliver to information shall occur maximum once.|Die Lieferinformationen (Delivery) dürfen höchstens einmal vorkommen.
UBL-SR-25|fatal|Deliver to party name (BT-70) shall occur maximum once.|Der Name des Warenempfängers (BT-70) darf höchstens einmal vorkommen.
UBL-SR-26|fatal|Payment reference (BT-83) shall occur maximum once per payment means.|Der Verwendungszweck (BT-83) darf je Zahlungsanweisung höchstens einmal vorkommen.
UBL-SR-27|fatal|Payment means code (BT-81) shall occur maximum once per payment means.|Der Zahlungsart-Code (BT-81) darf je Zahlungsanweisung höchstens einmal vorkommen.
UBL-SR-28|fatal|Mandate reference identifier (BT-89) shall occur maximum once.|Die Mandatsreferenz (BT-89) darf höchstens einmal vorkommen.
UBL-SR-29|fatal|Bank assigned creditor identifier (BT-90) shall occur maximum once.|Die Gläubiger-ID (BT-90) darf höchstens einmal vorkommen.
UBL-SR-30|fatal|Document level allowance reason (BT-97) shall occur maximum once.|Der Grund eines Nachlasses (BT-97) darf höchstens einmal vorkommen.
UBL-SR-31|fatal|Document level charge reason (BT-104) shall occur maximum once.|Der Grund eines Zuschlags (BT-104) darf höchstens einmal vorkommen.
UBL-SR-32|fatal|VAT exemption reason text (BT-120) shall occur maximum once.|Der Befreiungsgrund (BT-120) darf höchstens einmal vorkommen.
UBL-SR-33|fatal|Supporting document description (BT-123) shall occur maximum once.|Die Beschreibung eines rechnungsbegründenden Dokuments (BT-123) darf höchstens einmal vorkommen.
UBL-SR-34|fatal|Invoice line note (BT-127) shall occur maximum once.|Die Positionsnotiz (BT-127) darf höchstens einmal vorkommen.
UBL-SR-35|fatal|Referenced purchase order line identifier (BT-132) shall occur maximum once.|Die Bestellpositionsnummer (BT-132) darf höchstens einmal vorkommen.
UBL-SR-36|fatal|Invoice line period (BG-26) shall occur maximum once.|Der Positionszeitraum (BG-26) darf höchstens einmal vorkommen.
UBL-SR-37|fatal|Item price discount (BT-147) shall occur maximum once.|Der Preisnachlass (BT-147) darf höchstens einmal vorkommen.
UBL-SR-39|fatal|Project reference (BT-11) shall occur maximum once.|Die Projektreferenz (BT-11) darf höchstens einmal vorkommen.
UBL-SR-40|fatal|Buyer trading name (BT-45) shall occur maximum once.|Der Handelsname des Erwerbers (BT-45) darf höchstens einmal vorkommen.
UBL-SR-45|fatal|Payment due date (BT-9) shall occur maximum once.|Das Fälligkeitsdatum (BT-9) darf höchstens einmal vorkommen.
UBL-SR-46|fatal|Payment means text (BT-82) shall occur maximum once.|Der Text zur Zahlungsart (BT-82) darf höchstens einmal vorkommen.
UBL-SR-48|fatal|Invoice lines shall have one and only one classified tax category.|Jede Position muss genau eine Umsatzsteuerkategorie (ClassifiedTaxCategory) haben.
UBL-SR-49|fatal|Value tax point date code (BT-8) shall occur maximum once.|Der Code für das Steuerfälligkeitsdatum (BT-8) darf höchstens einmal vorkommen.
UBL-SR-50|fatal|Item description (BT-154) shall occur maximum once.|Die Artikelbeschreibung (BT-154) darf höchstens einmal vorkommen.
UBL-SR-51|fatal|An address can only have one third line (AddressLine).|Eine Anschrift darf nur eine dritte Zeile (AddressLine) haben.
UBL-SR-52|fatal|Line document reference shall occur maximum once.|Der Dokumentverweis einer Position darf höchstens einmal vorkommen.
UBL-SR-53|fatal|CompanyID must be stated when providing the PartyTaxScheme/TaxScheme/ID.|Bei einer Steuerkennung (PartyTaxScheme) müssen CompanyID und TaxScheme/ID angegeben sein.
UBL-CR-666|fatal|An additional document reference shall not refer to an invoiced object (type 130) and carry an attachment at the same time.|Ein Dokumentverweis darf nicht zugleich Objektkennung (Typ 130) sein und einen Anhang tragen.
UBL-CR-673|fatal|An additional document reference shall not refer to an invoiced object (type 130) and carry a document description at the same time.|Ein Dokumentverweis darf nicht zugleich Objektkennung (Typ 130) sein und eine Beschreibung tragen.
UBL-CR-646|warning|A UBL invoice should not include the InvoiceLine SubInvoiceLine (sub invoice lines are only allowed in the XRechnung Extension).|Unterpositionen (SubInvoiceLine) sind nur in der XRechnung-Extension erlaubt.
UBL-DT-01|fatal|Amounts shall be decimal up to two fraction digits.|Beträge dürfen höchstens zwei Nachkommastellen haben.
UBL-DT-06|fatal|Binary object elements shall contain the mime code attribute.|Eingebettete Anhänge müssen das Attribut mimeCode haben.
UBL-DT-07|fatal|Binary object elements shall contain the file name attribute.|Eingebettete Anhänge müssen das Attribut filename haben.
KOSIT-NO-SCENARIO|error|No matching validation scenario: the document is not an XRechnung 3.0 or EN 16931 invoice in UBL or CII.|Kein passendes Prüfszenario: Das Dokument ist keine XRechnung 3.0 bzw. EN-16931-Rechnung in UBL oder CII.
XSD-NAMESPACE|error|An element is in no namespace or in a namespace the UBL 2.1 or CII D16B schema does not allow there (XSD validation fails).|Ein Element hat keinen oder einen im UBL-2.1- bzw. CII-D16B-Schema an dieser Stelle nicht erlaubten Namensraum (Schemaprüfung schlägt fehl).
XML-WELLFORMED|error|The XML document could not be read.|Das XML-Dokument konnte nicht gelesen werden.
EINGANG-LEITWEG-ID|warning|Buyer reference (BT-10) is not a Leitweg-ID with a valid check digit; check the routing manually.|Die Käuferreferenz (BT-10) ist keine Leitweg-ID mit gültiger Prüfziffer; Zuordnung bitte manuell prüfen.
`

// catTexts describe the VAT category rule families for generated messages.
var catTexts = map[string][2]string{
	"BR-S":  {"Standard rated", "Normalsatz (S)"},
	"BR-Z":  {"Zero rated", "Nullsatz (Z)"},
	"BR-E":  {"Exempt from VAT", "steuerbefreit (E)"},
	"BR-AE": {"VAT reverse charge", "Umkehrung der Steuerschuldnerschaft (AE)"},
	"BR-IC": {"Intra-community supply", "innergemeinschaftliche Lieferung (K)"},
	"BR-G":  {"Export outside the EU", "Ausfuhr außerhalb der EU (G)"},
	"BR-O":  {"Not subject to VAT", "nicht steuerbar (O)"},
	"BR-AF": {"IGIC (Canary Islands)", "IGIC Kanaren (L)"},
	"BR-AG": {"IPSI (Ceuta/Melilla)", "IPSI Ceuta/Melilla (M)"},
}

// catRuleTexts are the per-number messages of the VAT category rules.
var catRuleTexts = map[int][2]string{
	1:  {"A VAT breakdown (BG-23) for category %s is required when lines, allowances or charges use it (and for most categories exactly one).", "Für die Kategorie %s ist eine Umsatzsteueraufschlüsselung (BG-23) erforderlich, wenn Positionen, Nachlässe oder Zuschläge sie verwenden."},
	2:  {"Invoice lines with category %s require the seller (or tax representative) VAT/tax identifiers prescribed for it.", "Positionen mit Kategorie %s erfordern die dafür vorgeschriebenen Steuerkennungen von Verkäufer bzw. Erwerber."},
	3:  {"Document level allowances with category %s require the prescribed VAT/tax identifiers.", "Nachlässe mit Kategorie %s erfordern die vorgeschriebenen Steuerkennungen."},
	4:  {"Document level charges with category %s require the prescribed VAT/tax identifiers.", "Zuschläge mit Kategorie %s erfordern die vorgeschriebenen Steuerkennungen."},
	5:  {"The VAT rate of invoice lines with category %s is not allowed.", "Der Steuersatz von Positionen mit Kategorie %s ist nicht zulässig."},
	6:  {"The VAT rate of document level allowances with category %s is not allowed.", "Der Steuersatz von Nachlässen mit Kategorie %s ist nicht zulässig."},
	7:  {"The VAT rate of document level charges with category %s is not allowed.", "Der Steuersatz von Zuschlägen mit Kategorie %s ist nicht zulässig."},
	8:  {"The taxable amount (BT-116) for category %s must equal the sum of line net amounts plus charges minus allowances of that category.", "Die Bemessungsgrundlage (BT-116) der Kategorie %s muss der Summe der Positionen plus Zuschläge minus Nachlässe dieser Kategorie entsprechen."},
	9:  {"The VAT amount (BT-117) for category %s is wrong.", "Der Steuerbetrag (BT-117) der Kategorie %s ist falsch."},
	10: {"The exemption reason (BT-120/BT-121) for category %s is missing or not allowed.", "Der Befreiungsgrund (BT-120/BT-121) der Kategorie %s fehlt oder ist nicht zulässig."},
	11: {"An invoice with category %s requires an actual delivery date or an invoicing period.", "Eine Rechnung mit Kategorie %s erfordert ein Lieferdatum oder einen Abrechnungszeitraum."},
	12: {"An invoice with category %s requires the deliver-to country code.", "Eine Rechnung mit Kategorie %s erfordert den Ländercode der Lieferanschrift."},
}

// catRuleTextsO are the BR-O-11..14 texts, which differ from IC-11/12.
var catRuleTextsO = map[int][2]string{
	11: {"An invoice with a VAT breakdown for 'Not subject to VAT' shall not contain other VAT breakdowns.", "Eine Rechnung mit Kategorie O darf keine weiteren Umsatzsteueraufschlüsselungen enthalten."},
	12: {"An invoice with a VAT breakdown for 'Not subject to VAT' shall not contain lines with another VAT category.", "Eine Rechnung mit Kategorie O darf keine Positionen mit anderer Kategorie enthalten."},
	13: {"An invoice with a VAT breakdown for 'Not subject to VAT' shall not contain allowances with another VAT category.", "Eine Rechnung mit Kategorie O darf keine Nachlässe mit anderer Kategorie enthalten."},
	14: {"An invoice with a VAT breakdown for 'Not subject to VAT' shall not contain charges with another VAT category.", "Eine Rechnung mit Kategorie O darf keine Zuschläge mit anderer Kategorie enthalten."},
}

var ruleMetas = sync.OnceValue(func() map[string]meta {
	m := make(map[string]meta)
	for _, line := range strings.Split(ruleTable, "\n") {
		parts := strings.SplitN(line, "|", 4)
		if len(parts) != 4 {
			continue
		}
		m[parts[0]] = meta{sev: parseFlag(parts[1]), en: parts[2], de: parts[3]}
	}
	return m
})

func parseFlag(s string) Severity {
	switch s {
	case "warning":
		return SeverityWarning
	case "information":
		return SeverityInformation
	case "error":
		return SeverityError
	}
	return SeverityFatal
}

// ruleInfo returns severity and messages of a rule, generating them for the
// rule families whose texts follow a pattern.
func ruleInfo(rule string) meta {
	m := ruleMetas()
	if v, ok := m[rule]; ok {
		return v
	}
	if strings.HasPrefix(rule, "BR-DEC-") {
		v := m["BR-DEC"]
		return v
	}
	if i := strings.LastIndexByte(rule, '-'); i > 0 {
		fam, numStr := rule[:i], rule[i+1:]
		if ct, ok := catTexts[fam]; ok {
			n := 0
			for _, ch := range numStr {
				n = n*10 + int(ch-'0')
			}
			t, ok := catRuleTexts[n]
			if fam == "BR-O" && n >= 11 {
				t, ok = catRuleTextsO[n]
			}
			if ok {
				return meta{sev: SeverityFatal, en: strings.Replace(t[0], "%s", "'"+ct[0]+"'", 1), de: strings.Replace(t[1], "%s", ct[1], 1)}
			}
		}
	}
	sev := SeverityFatal
	if strings.HasPrefix(rule, "BR-DE") {
		sev = SeverityError
	}
	return meta{sev: sev, en: "Rule " + rule + " is violated.", de: "Regel " + rule + " ist verletzt."}
}

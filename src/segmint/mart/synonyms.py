"""What the columns of real exports are called: the names a mapping is guessed from.

Names are compared *normalised*: lower case with everything but letters and digits
removed, so ``Customer ID``, ``customer_id``, ``CustomerID`` and ``customer-id`` are all
``customerid``. For each mart column the list gives, in that form, the names exports use
for it (the UCI Online Retail data, Shopify and WooCommerce order exports, the Dunnhumby
household files, CDNOW, ERP and POS extracts); :data:`PATTERNS` catch the rest by their
words (``number_of_cds`` is a quantity, ``dollar_value`` an amount).
"""

from __future__ import annotations

import re

_CUSTOMER = (
    "customer custid customerno customernumber customercode customerkey clientid client "
    "clientno clientnumber householdid householdkey household hhid hhkey userid memberid "
    "member accountid accountno buyerid shopperid contactid cardholderid loyaltyid "
    "loyaltycardid cardid"
)
_ORDER_TS = (
    "orderdate orderdatetime ordertime invoicedate invoicedatetime date datetime timestamp "
    "createdat created orderedat orderdateandtime purchasedate purchasetime purchasedat "
    "transactiondate transactiondatetime transactiontime txndate saledate salesdate "
    "receiptdate dateofpurchase orderplaced placedat"
)
_ORDER_ID = (
    "order ordernumber orderno ordernum invoice invoiceno invoiceid invoicenumber basketid "
    "basket basketkey transactionid transaction txnid receiptid receiptno receiptnumber "
    "ticketid ticket salesorder salesorderid"
)
_PLACE = {
    "country": "country countrycode countryname customercountry billingcountry",
    "city": "city town customercity billingcity",
    "region": "region state province county statecode billingprovince billingstate",
    "postcode": "postcode zip zipcode postalcode billingzip billingpostcode",
}

TRANSACTIONS: dict[str, str] = {
    "customer_id": _CUSTOMER,
    "order_ts": _ORDER_TS,
    "order_id": _ORDER_ID,
    "product_id": (
        "product stockcode sku itemid item itemcode articleid article productcode productno "
        "variantid upc ean gtin asin itemno itemnumber prodid lineitemsku"
    ),
    "product_name": (
        "productname description itemname itemdescription productdescription producttitle "
        "lineitemname"
    ),
    "category": "category productcategory categoryname department itemcategory productgroup",
    "channel": "channel saleschannel orderchannel",
    "quantity": (
        "quantity qty units unitssold quantitysold itemcount itemssold numberofitems pieces "
        "lineitemquantity quantityordered"
    ),
    "unit_price": (
        "unitprice price itemprice priceeach priceperunit sellingprice saleprice lineitemprice "
        "unitsaleprice"
    ),
    "amount": (
        "amount total linetotal lineamount salesvalue sales revenue value dollarvalue "
        "netamount netsales totalprice totalamount spend saleamount extendedprice itemtotal "
        "linevalue turnover monetaryvalue"
    ),
    "discount": "discount discountamount retaildisc linediscount lineitemdiscount markdown",
    "unit_cost": "unitcost cost costprice cogs costperunit itemcost",
    **_PLACE,
    "email": "email emailaddress customeremail billingemail",
}

CUSTOMERS: dict[str, str] = {
    "customer_id": _CUSTOMER + " id",
    "signup_date": (
        "signup signedup signupdate registrationdate registered registeredat createdat "
        "joindate joined datejoined firstseen customersince membersince"
    ),
    "birth_year": "birthyear yearofbirth yob birthyr",
    "gender": "gender sex",
    **_PLACE,
    "acquisition_channel": (
        "acquisitionchannel channel source acquisitionsource utmsource signupchannel"
    ),
}

ORDERS: dict[str, str] = {
    "order_id": _ORDER_ID,
    "customer_id": _CUSTOMER,
    "order_ts": _ORDER_TS,
    "channel": "channel saleschannel orderchannel",
    "status": "status orderstatus",
}

EVENTS: dict[str, str] = {
    "event_id": "messageid insertid hitid eventuuid uuid",
    "customer_id": _CUSTOMER,
    "session_id": "session visitid visit gasessionid domainsessionid sessionkey",
    "event_ts": (
        "eventtime eventtimestamp eventdatetime eventdate timestamp time datetime date "
        "occurredat createdat tstamp derivedtstamp collectortstamp hittime hittimestamp"
    ),
    "event_type": "event eventname eventaction action activity activitytype type",
    "object_id": (
        "objectid itemid item productid product sku pagepath pagelocation pageurl url page "
        "contentid campaignid searchterm eventlabel label"
    ),
    "properties": "eventproperties eventparams params parameters eventparameters payload",
}
"""Web analytics exports (GA4, Segment, Snowplow, Amplitude, Mixpanel): ``Event Name``,
``User ID``, ``Event Time``. Anonymous identifiers (``anonymousId``, ``user_pseudo_id``,
``distinct_id``) are deliberately absent: they name a browser, not a customer."""

BY_TABLE: dict[str, dict[str, str]] = {
    "transactions": TRANSACTIONS,
    "customers": CUSTOMERS,
    "orders": ORDERS,
    "events": EVENTS,
}

PATTERNS: dict[str, re.Pattern[str]] = {
    "quantity": re.compile(r"^numberof[a-z]+$|^[a-z]*(quantity|qty|count)$"),
    "amount": re.compile(r"(value|amount|sales|revenue|spend)$"),
    "order_ts": re.compile(r"(date|datetime|timestamp)$"),
}
"""Weaker evidence, used when no name or synonym matches: the words a name ends with."""


def normalise(name: str) -> str:
    """``Customer ID`` → ``customerid``: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", name.lower())


def synonyms(table: str) -> dict[str, frozenset[str]]:
    """Mart column → the normalised names that mean it, for ``table`` (may be empty)."""
    return {target: frozenset(words.split()) for target, words in BY_TABLE.get(table, {}).items()}

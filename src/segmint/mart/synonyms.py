"""What the columns of real exports are called: the names a mapping is guessed from.

Names are compared *normalised*: lower case with everything but letters and digits
removed, so ``Customer ID``, ``customer_id``, ``CustomerID`` and ``customer-id`` are all
``customerid``. For each mart column the list gives, in that form, the names exports use
for it (the UCI Online Retail data, Shopify and WooCommerce order exports, the Dunnhumby
household files, CDNOW, ERP and POS extracts; catalogues, consent lists, attributes in long
form and campaign audiences of CRMs, shop systems and e-mail tools); :data:`PATTERNS` catch the rest by their
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

PRODUCTS: dict[str, str] = {
    "product_id": (
        "product sku stockcode itemid item itemcode itemno itemnumber articleid article "
        "articleno articlenumber productcode productno prodid variantsku"
    ),
    "name": "productname producttitle title itemname articlename",
    "category": (
        "productcategory categoryname categories department itemcategory productgroup productfamily"
    ),
    "brand": "brandname manufacturer vendor",
    "list_price": (
        "price listprice regularprice retailprice rrp msrp unitprice sellingprice variantprice"
    ),
    "unit_cost": (
        "cost costprice cogs costperunit costperitem itemcost purchaseprice wholesaleprice"
    ),
}
"""Catalogue exports (ERP and POS item lists, Shopify's ``Variant SKU``/``Title``/``Vendor``/
``Cost per item``, WooCommerce's ``SKU``/``Name``/``Categories``/``Regular price``). A bare
``ID`` is left out: in these exports it is the shop's row number, while order lines name
the product by its SKU or stock code, and the catalogue's id must be the one they use.
Barcodes (``EAN``, ``UPC``, ``GTIN``) are left out too: a catalogue lists them beside the
SKU, which order lines use. ``Description`` is left out: beside a name it is the long text."""

CONSENTS: dict[str, str] = {
    "customer_id": _CUSTOMER,
    "channel": "contactchannel communicationchannel consentchannel optinchannel medium",
    "granted": (
        "optin optedin optinstatus subscribed consent consented consentgiven marketingconsent "
        "marketingoptin emailoptin smsoptin pushoptin acceptsmarketing acceptsemailmarketing "
        "acceptssmsmarketing permission agreed"
    ),
    "source": "consentsource optinsource subscriptionsource signupsource origin",
    "updated_at": (
        "updated lastupdated lastchanged lastmodified modifiedat changedat consentdate "
        "consentedat consenttime optindate optintime optedinat subscribedat date timestamp "
        "datetime"
    ),
}
"""Consent and preference exports of CRMs, shop systems and e-mail tools (``Email Opt-in``,
``Subscribed``, ``Marketing consent``, ``Accepts Email Marketing``, ``LAST_CHANGED``), one
row per customer and channel; the channel itself must be a column (``channel``,
``medium``). A name with a channel in it (``Email Opt-in``) is listed with its siblings
(``SMS Opt-in``), so a wide file naming two channels' consents in two columns has two
candidates for ``granted`` and stops with the choice instead of reading one channel's."""

CUSTOMER_ATTRIBUTES: dict[str, str] = {
    "customer_id": _CUSTOMER,
    "name": "attribute attributename field fieldname property propertyname trait question",
    "value": "attributevalue fieldvalue propertyvalue traitvalue answer response",
    "source": "datasource origin",
    "updated_at": (
        "updated lastupdated modifiedat recordedat answeredat collectedat date timestamp datetime"
    ),
}
"""Attributes in long form (one row per customer and attribute): CRM field histories
(``Field``, ``Value``), customer-data platforms' traits (``trait``, ``trait_value``),
survey answers (``Question``, ``Answer``)."""

CAMPAIGN_MEMBERS: dict[str, str] = {
    "campaign_id": "campaign campaigncode campaignkey campaignref",
    "customer_id": _CUSTOMER + " recipientid subscriberid",
    "group": "testgroup experimentgroup treatmentgroup holdoutgroup groupname assignment",
    "assigned_at": (
        "assigned assigneddate assignmentdate addedat dateadded enrolledat createdat date "
        "timestamp datetime"
    ),
}
"""Audience and holdout lists of e-mail tools and experiment platforms (``Campaign``,
``Recipient ID``, ``Test Group``, ``Assignment``). Names that usually hold a variant's
name (``Variant``, ``Arm``, ``Cell``: ``A``/``B``) are left out: ``group`` must read
``target`` or ``control``, so such a column needs a look and a ``--map``."""

BY_TABLE: dict[str, dict[str, str]] = {
    "transactions": TRANSACTIONS,
    "customers": CUSTOMERS,
    "orders": ORDERS,
    "events": EVENTS,
    "products": PRODUCTS,
    "consents": CONSENTS,
    "customer_attributes": CUSTOMER_ATTRIBUTES,
    "campaign_members": CAMPAIGN_MEMBERS,
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

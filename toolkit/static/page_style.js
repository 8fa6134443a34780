// PageStyle (toolkit/widgets.py) is never shown: anywidget adds its stylesheet (page.css) to the
// page as soon as the model exists, which is all it is for.
export default {};
